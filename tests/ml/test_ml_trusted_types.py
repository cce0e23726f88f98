"""Loading a model trusts only numpy/scipy/sklearn types plus the few stdlib wrappers sklearn keeps."""

from __future__ import annotations

import pytest

from ml.registry import _check_trusted


def test_sklearn_and_partial_are_trusted() -> None:
    _check_trusted(["sklearn.pipeline.Pipeline", "numpy.dtype", "functools.partial"])


@pytest.mark.parametrize("foreign", ["os.system", "builtins.eval", "functools.reduce", "subprocess.Popen"])
def test_other_types_are_refused(foreign: str) -> None:
    with pytest.raises(ValueError, match="outside"):
        _check_trusted(["sklearn.pipeline.Pipeline", foreign])
