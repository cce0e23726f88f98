"""Same seed -> byte-identical files; another seed -> different files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from generator_support import run_generate


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow  # three small generations, ~10 s
def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    run_generate(a, seed=7, n_leads=250, max_faxes=1)
    run_generate(b, seed=7, n_leads=250, max_faxes=1)
    run_generate(c, seed=8, n_leads=250, max_faxes=1)
    ha, hb, hc = tree_hashes(a), tree_hashes(b), tree_hashes(c)
    assert len(ha) > 30
    assert ha == hb
    shared = set(ha) & set(hc)
    assert [k for k in shared if k.startswith("inbox/") and ha[k] != hc[k]]
    assert ha["truth/leads.csv"] != hc["truth/leads.csv"]
