"""A web-form file's lines kept as bytes: each line's text is decoded only where it is read (a rejected
row's raw_json, a long-id line), and the raw_json column is built from the bytes in one join.

Cutting the file's bytes at b"\\n" gives json_lines_read.text_lines' lines when the file holds no b"\\r"
(UTF-8 continuation bytes are never 0x0A), without a str per line: at 20k leads (7.6k submissions,
3.4 MB) the text split, its two newline replaces and the raw_json join/encode cost ~4 ms of ~60 ms a
parse; orjson also decodes bytes lines faster than str ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import numpy as np
import pyarrow as pa

_BOM = b"\xef\xbb\xbf"


class ByteLines(Sequence[str]):
    """The text lines of a UTF-8 file (already checked to decode) with no b"\\r", as str on access."""

    def __init__(self, lines: list[bytes]) -> None:
        self.raw = lines

    @classmethod
    def of(cls, data: bytes) -> ByteLines | None:
        """The file's lines (one leading BOM dropped, the final newline ending the last line), or None
        when it holds a b"\\r" (text_lines then cuts it)."""
        if b"\r" in data:
            return None
        lines = (data[3:] if data.startswith(_BOM) else data).split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        return cls(lines)

    def __len__(self) -> int:
        return len(self.raw)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [line.decode() for line in self.raw[index]]
        return self.raw[index].decode()

    def __iter__(self) -> Iterator[str]:
        return (line.decode() for line in self.raw)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ByteLines):
            return self.raw == other.raw
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def arrow(self) -> pa.StringArray:
        """The lines as an Arrow string column: one join of the bytes and a cumulative sum of lengths."""
        count = len(self.raw)
        lengths = np.fromiter(map(len, self.raw), np.int64, count)
        if int(lengths.sum()) >= 2**31:  # past 32-bit offsets: pa.array picks its own layout
            return pa.array(list(self), type=pa.string())
        offsets = np.zeros(count + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(b"".join(self.raw)))
