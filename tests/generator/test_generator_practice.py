"""Practice synthesis: real ZIPs and time zones for extra clinics, valid NPIs, valid diagnosis codes."""

from __future__ import annotations

import random
from pathlib import Path

import simple_icd_10_cm as icd

from orchestration.generator.clinical import CATALOG, POST_OP
from orchestration.generator.geo import zip_table
from orchestration.generator.people import format_phone, nicknames_of, typo
from orchestration.generator.practice import build_practice, write_config
from orchestration.npi import is_valid_npi
from orchestration.settings import REPO_ROOT

CONFIG = REPO_ROOT / "config"


def test_small_practices_use_the_first_base_clinics() -> None:
    practice = build_practice(CONFIG, 2, 1000, random.Random(1))
    assert [c.id for c in practice.clinics] == ["ATX-S", "RR"]
    assert {t.clinic for t in practice.therapists} == {"ATX-S", "RR"}


def test_extra_clinics_sit_at_real_zips_with_their_time_zone(tmp_path: Path) -> None:
    practice = build_practice(CONFIG, 9, 1000, random.Random(3))
    assert len(practice.clinics) == 9 and len({c.zip for c in practice.clinics}) == 9
    for c in practice.clinics:
        z = zip_table().get(c.zip)
        assert z is not None and c.timezone == z.timezone
        assert any(t.clinic == c.id for t in practice.therapists)
    assert 40 <= len(practice.referrers) <= 200
    assert all(is_valid_npi(r.npi) for r in practice.referrers)
    assert len({r.npi for r in practice.referrers}) == len(practice.referrers)
    write_config(practice, CONFIG, tmp_path, {})
    assert "C009" in (tmp_path / "practice.yaml").read_text()


def test_every_catalog_code_is_valid_icd10cm() -> None:
    codes = {d.code for dxs in CATALOG.values() for d in dxs} | {e for _, _, e in POST_OP.values() if e}
    assert all(icd.is_valid_item(c) for c in codes)


def test_messy_presentations() -> None:
    rng = random.Random(5)
    assert "Bill" in nicknames_of("William")
    assert {typo("Johnson", rng) for _ in range(30)} - {"Johnson"}
    digits = "5124410142"
    for _ in range(30):
        s = format_phone(digits, rng)
        assert "".join(ch for ch in s if ch.isdigit()).endswith(digits)
