"""One as-of per run, taken when the run starts: the Dagster code location loads its definitions once and
keeps them for days, so an as-of fixed at load would make every later scheduled run compute stale lists."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from dagster import DagsterInstance, asset, materialize

from orchestration.resources import PtleadsSettings
from orchestration.settings import Settings

SEEN: list[tuple[str, datetime]] = []


@asset
def first(settings: PtleadsSettings) -> None:
    SEEN.append(("first", settings.to_settings().as_of))


@asset(deps=[first])
def second(settings: PtleadsSettings) -> None:
    time.sleep(1.1)  # a later step of the same run must not take a later as-of
    SEEN.append(("second", settings.to_settings().as_of))


def _settings(tmp_path: Path, as_of: datetime | None = None) -> Settings:
    settings = Settings().with_overrides(inbox=tmp_path / "inbox", warehouse=tmp_path / "wh.duckdb")
    return settings.with_overrides(as_of=as_of) if as_of else settings


def test_each_run_takes_its_own_as_of_and_every_step_shares_it(tmp_path: Path) -> None:
    resource = PtleadsSettings.from_settings(_settings(tmp_path), as_of_per_run=True)  # built once
    instance = DagsterInstance.ephemeral()
    runs = []
    for _ in range(2):
        SEEN.clear()
        before = datetime.now(UTC).replace(microsecond=0)
        result = materialize([first, second], resources={"settings": resource}, instance=instance)
        assert result.success
        as_ofs = {as_of for _, as_of in SEEN}
        assert len(SEEN) == 2 and len(as_ofs) == 1, SEEN
        (as_of,) = as_ofs
        started = instance.get_run_record_by_id(result.run_id).create_timestamp
        assert as_of == started.astimezone(UTC).replace(microsecond=0)
        assert as_of >= before
        runs.append(as_of)
    assert runs[1] > runs[0]  # the second run did not reuse the first one's as-of


def test_a_given_as_of_is_kept(tmp_path: Path) -> None:
    pinned = datetime(2026, 6, 30, 5, tzinfo=UTC)
    resource = PtleadsSettings.from_settings(_settings(tmp_path, pinned))
    SEEN.clear()
    assert materialize([first, second], resources={"settings": resource}).success
    assert {as_of for _, as_of in SEEN} == {pinned}
