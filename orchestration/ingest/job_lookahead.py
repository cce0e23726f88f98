"""A source's file jobs in order, one of which may be taken early (framework and ingest_commits use it)."""

from __future__ import annotations

from collections.abc import Iterator

from orchestration.ingest.parse_pool import FileJob


class Lookahead:
    """The jobs in order, one of which may be taken early (`prefetch`): taking a job from file_jobs sends the
    groups up to it to the pool, so workers parse them while a cut file's last chunks are inserted."""

    def __init__(self, jobs: Iterator[FileJob]) -> None:
        self._jobs = jobs
        self._early: FileJob | None = None

    def __iter__(self) -> Iterator[FileJob]:
        return self

    def __next__(self) -> FileJob:
        if self._early is not None:
            job, self._early = self._early, None
            return job
        return next(self._jobs)

    def prefetch(self) -> None:
        if self._early is None:
            self._early = next(self._jobs, None)
