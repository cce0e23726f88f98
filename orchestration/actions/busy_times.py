"""A therapist's booked time as sorted epoch-microsecond arrays: what `open_slots` takes off the schedules.

The next-actions read of bookings made a BookedSlot per row, and open_slots a tuple, a timedelta and a
sort entry per booking: at 1M leads ~145k bookings in the next two weeks (the synthetic practice books its
7 therapists far past a real day), ~0.5 CPU-s of the step for the ~1k candidate slots asked about.
`warehouse_reads.load_busy_times` hands the columns over instead; numpy orders them and keeps the
running latest end. A candidate is asked in O(log n) as before, on the same instants (exact integers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa

EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def epoch_us(at: datetime) -> int:
    """Naive-UTC `at` in microseconds since the epoch (DuckDB's epoch_us of the same timestamp)."""
    return (at - EPOCH) // _MICROSECOND


@dataclass(frozen=True)
class BusyTimes:
    """Booked intervals [start, end) of one therapist: starts ascending, the latest end so far beside each."""

    starts: np.ndarray  # int64 epoch microseconds
    latest_end: np.ndarray  # int64: max end among the intervals up to this one in start order

    @classmethod
    def of(cls, starts: np.ndarray, ends: np.ndarray) -> BusyTimes:
        order = np.argsort(starts, kind="stable")
        return cls(starts[order], np.maximum.accumulate(ends[order]) if len(ends) else ends)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether any interval overlaps [start, end): of those starting before `end`, the latest end
        passes `start` (slots._Busy's question, on microseconds)."""
        before_end = int(np.searchsorted(self.starts, epoch_us(end), side="left"))
        return before_end > 0 and int(self.latest_end[before_end - 1]) > epoch_us(start)


def busy_by_therapist(table: pa.Table) -> dict[str, BusyTimes]:
    """Columns (therapist_id, start_us, end_us), any order: each therapist's BusyTimes."""
    if table.num_rows == 0:
        return {}
    therapists = table.column(0).combine_chunks().dictionary_encode()
    codes = therapists.indices.to_numpy(zero_copy_only=False)
    starts = table.column(1).combine_chunks().to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    ends = table.column(2).combine_chunks().to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    out: dict[str, BusyTimes] = {}
    for code, therapist_id in enumerate(therapists.dictionary.to_pylist()):
        mine = codes == code
        out[therapist_id] = BusyTimes.of(starts[mine], ends[mine])
    return out
