"""The action assets pause cyclic garbage collection only while they run, and restore its state."""

from __future__ import annotations

import gc

import pytest

from orchestration.actions.assets import _cyclic_gc_paused


@pytest.mark.parametrize("enabled", [True, False])
def test_state_restored(enabled: bool) -> None:
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with _cyclic_gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), _cyclic_gc_paused():
            raise RuntimeError
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
