"""A source's file jobs in order, some of which may be taken early (framework and ingest_commits use it)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from orchestration.ingest.parse_pool import FileJob


class Lookahead:
    """The jobs in order, some taken early (`prefetch`): taking a job from file_jobs sends the groups up to
    it to the pool, so workers parse them while this process is busy elsewhere (a cut file's last chunks,
    the source before committing)."""

    def __init__(self, jobs: Iterator[FileJob]) -> None:
        self._jobs = jobs
        self._early: deque[FileJob] = deque()
        self._early_bytes = 0

    def __iter__(self) -> Iterator[FileJob]:
        return self

    def __next__(self) -> FileJob:
        if self._early:
            job = self._early.popleft()
            self._early_bytes -= job.size
            return job
        return next(self._jobs)

    def prefetch(self, min_bytes: int = 0) -> None:
        """Take jobs early until at least one is waiting and they hold min_bytes of files (or none is left):
        the pool then parses min_bytes plus its usual groups ahead."""
        while not self._early or self._early_bytes < min_bytes:
            job = next(self._jobs, None)
            if job is None:
                return
            self._early.append(job)
            self._early_bytes += job.size
