"""Field-level exact-match accuracy of fax extraction on rendered faxes with known truth."""

from __future__ import annotations

from pathlib import Path

import pytest
from extra_layouts import EXTRA_LAYOUTS
from fax_corpus import below_threshold, build_corpus, report

from orchestration.generator.fax_render import FAX_LAYOUTS


@pytest.mark.slow
def test_accuracy_on_production_layouts(tmp_path: Path) -> None:
    cases = build_corpus(tmp_path, n=40, seed0=7000, layouts=list(range(FAX_LAYOUTS)))
    acc = report(cases, "production layouts")
    assert not below_threshold(acc), acc


@pytest.mark.slow
def test_accuracy_on_layouts_production_never_saw(tmp_path: Path) -> None:
    """Layouts written only for tests (extra_layouts.py), corpus seeds 118000+40.

    Was a strict xfail through session 4: last_name 95%, both misses "Hermandez-Lopez" (a kerned "rn"
    that the page clean-up's median filter closed into "m"; Hermandez is itself a listed surname and
    the runner-up "n" alone stayed under the 1000x override bar). Fixed by a better reader, not a bar:
    crops whose first reading doubts a letter are read twice more, prepared without the median and
    cleaned at 2x (fax_reread), and the name check averages those readings in (fax_name_check).
    OVERRIDE stays 1000. Measured 2026-11-29 (session 5, name fields; every other field met its bar):
    development samples 200000+60 (unseen layouts) and 201000+60 (production layouts): last_name
    98.3% -> 100% on both (201000 had a production-layout "Hermandez-Lopez"; 200000 a "JoHnSon" now
    re-cased by smart_case); blind samples never looked at before measuring, unseen layouts
    210000+60: first/last 96.7%/96.7% before and after, below 97% (four misses are names not found, a
    picker limit this change does not touch), 220000+60: 100%/100% before and after; production test
    corpus 7000+40: every field at or above its bar. This corpus: every strict field 100%.
    Session 7 (the name picker, fax_name_picker: every printed occurrence of the name votes; label
    synonyms and format hints, Last/First boxes, prose cues, a name alone by the DOB): the 210000 misses
    were names never found ("DEL RIO,-TOMAS", "PATIENTNAMF." over "Tomas Garcia"): 96.7% -> 100%
    first/last. Developed on tests/fax/dev_layouts.py 230000+60 and 231000+30 (names 10% -> 90-100%)
    and production 240000+60. Blind, each measured once: unseen 250000+60 first/last 96.7%/96.7% and
    260000+60 100%/98.3%, both as before the change (the misses were letters, not picking; two case
    rules found on them since: 98.3%/98.3%, 100%/100%, no longer blind); unseen 270000+60 100%/100%,
    production 280000+40 100%/97.5% (as before); with the final code unseen 290000+60 98.3%/98.3% (as
    before; diagnosis_codes 96.7% both before and after) and fresh dev layouts 232000+30 100%/93.3%
    (13.3%/13.3% before; both misses Lindqvist read as the listed Lindquist by the name check).
    Session 8 (h55: general readers, not thresholds): a surely read letter is never changed for a
    listed neighbour (Lindqvist), every printed reading of the name votes on its letters, unspaced
    LAST FIRST MI boxes are split by the Census priors, ICD codes cut by a misread dot, a box border,
    a gap or a line break are rejoined only into valid codes (longest first), claim-form captions and
    cover sheets (two new development layouts, tests/fax/dev_layouts_s8.py). Development: 300000+60
    (dev layouts), 303000+60 (s8 layouts, first name 13% -> 83%), production 301000+60. BLIND, scored once
    with c86a610 before any look: unseen 310000+60, 320000+60, 330000+60 (180 faxes) first/last name
    100%/99.4%, DOB 99.4%, phone 100%, NPI 100%, ICD-10 99.4%, every other field >= 98.3%; production
    340000+40 strict fields 97.5-100% (before this work: unseen first/last 99.4%/98.9%, ICD 99.4%).
    This corpus (118000+40) and the production one (7000+40): every strict field 100%. Corpora used
    before, not to be used as blind: 41000+, 52000+, 63000+, 74000+, 107000+, 130000-136000,
    200000-201000, 210000-290000, 230000-232000, 300000-306000, 310000-340000. Per-field numbers:
    benchmarks/results/fax-2026-11-29.json, fax-2026-11-29-s7.json and fax-2026-11-29-s8.json.
    """
    cases = build_corpus(tmp_path, n=40, seed0=118000, layouts=list(EXTRA_LAYOUTS))
    acc = report(cases, "test-only layouts")
    assert not below_threshold(acc), acc
