"""Split a line-oriented file (JSON Lines, NDJSON, CSV) into byte ranges that parse on their own.

A parse holds a whole file's decoded records, so without chunks its memory grows with the file (a 1M-lead
FHIR Appointment export is ~4 GB). The parent streams each file once, hashing it and cutting it at line
ends every CHUNK_BYTES; each chunk is parsed alone (in a worker or in-process) and the line numbers of its
bad lines are shifted back to the file's (FileLines: the lines before a chunk are counted only for a chunk
that has bad lines). A CSV chunk is parsed with the file's header line in front of it, and is cut
only where the number of quote characters since the file's start is even (never inside a quoted field).
Files up to one chunk are not cut: they parse exactly as whole files always have.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ChunkMode = Literal["lines", "csv"]
_READ_BLOCK = 4 << 20


@dataclass(frozen=True)
class Chunk:
    """Bytes [start, end) of a file."""

    start: int
    end: int
    header: bytes = b""  # the CSV header line parsed in front of a later chunk (b"" otherwise)

    def line_offset(self, lines_before: int) -> int:
        """Add to a line number the parser reports for this chunk to get the file's line number, given
        the file's line ends before `start` (FileLines.before)."""
        return lines_before - self.header.count(b"\n")


class FileLines:
    """A file's line ends before an offset, counted on demand, forward from the last count. The scan used
    to count them for every chunk while hashing (~0.11 parent CPU-s a 400 MB FHIR file, on the ingest's one
    serial core); only a chunk with bad lines needs them, and at most one pass over the file is made."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._at = 0
        self._count = 0

    def before(self, offset: int) -> int:
        if offset < self._at:
            self._at = self._count = 0
        with self.path.open("rb") as handle:
            handle.seek(self._at)
            while self._at < offset and (block := handle.read(min(_READ_BLOCK, offset - self._at))):
                self._count += block.count(b"\n")
                self._at += len(block)
        return self._count


@dataclass(frozen=True)
class FileScan:
    sha: str
    size: int
    empty: bool  # nothing but whitespace
    chunks: tuple[Chunk, ...]  # one chunk covering the whole file unless it was cut


def _csv_cut(buf: bytes | bytearray, at: int, quotes_before: int) -> int:
    """Index just after the first line end at or beyond `at` outside any quoted field, or -1."""
    quotes = quotes_before + buf.count(b'"', 0, at)
    newline = buf.find(b"\n", at)
    while newline >= 0:
        quotes += buf.count(b'"', at, newline)
        if quotes % 2 == 0:
            return newline + 1
        at = newline
        newline = buf.find(b"\n", newline + 1)
    return -1


def _lines_cut(buf: bytes | bytearray, at: int) -> int:
    newline = buf.find(b"\n", at)
    return newline + 1 if newline >= 0 else -1


def _first_line_is_json(head: bytes | bytearray) -> bool:
    """JSON Lines only when the first line is a whole JSON value: a pretty-printed document (a FHIR Bundle
    in a .json file, a JSON array of events) cannot be cut at line ends and is parsed whole. A first line
    longer than the block read is such a document (a JSON array on one line): it is not decoded."""
    newline = head.find(b"\n")
    if newline < 0 and len(head) >= _READ_BLOCK:
        return False
    line = (head[:newline] if newline >= 0 else head).strip()
    if line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def scan_file(
    path: Path, mode: ChunkMode | None, chunk_bytes: int, on_chunk: Callable[[Chunk], None] | None = None
) -> FileScan:
    """Hash, size and (for a mode) the chunks of `path`, reading it once in blocks: memory stays at about
    one chunk whatever the file's size. on_chunk: called with each chunk as soon as it is final (once the
    next one is cut: the last may still take the file's blank tail), before the rest of the file is read."""
    digest = hashlib.sha256()
    size = 0
    empty = True
    chunks: list[Chunk] = []
    # Bytes after the last cut. A bytearray grows in place: `bytes += block` copied the whole buffer (up to
    # a chunk) for every 4 MB block read.
    buf = bytearray()
    start, quotes_before = 0, 0
    header = b""
    with path.open("rb") as handle:
        # Only a file over one chunk is ever cut: a smaller one is hashed without keeping its bytes, and
        # without judging its first line (for a one-line JSON array -- SendGrid's export -- that was a
        # json.loads of the whole first block: 14 ms of parent CPU a 7 MB email file).
        cutting = mode is not None and os.fstat(handle.fileno()).st_size > chunk_bytes
        while block := handle.read(_READ_BLOCK):
            digest.update(block)
            size += len(block)
            empty = empty and not block.strip()
            if not cutting:
                continue
            buf += block
            if size == len(block):  # first block: decide whether this file may be cut at all
                cutting = mode == "csv" or _first_line_is_json(buf)
                if mode == "csv":
                    header_end = _csv_cut(buf, 0, 0)
                    cutting = header_end > 0
                    header = bytes(buf[:header_end]) if cutting else b""
            while cutting and len(buf) > chunk_bytes:
                cut = (
                    _csv_cut(buf, chunk_bytes, quotes_before)
                    if mode == "csv"
                    else _lines_cut(buf, chunk_bytes)
                )
                if cut < 0 or cut == len(buf):
                    break  # the line (or quoted field) goes on in the next block
                chunks.append(Chunk(start, start + cut, header if chunks else b""))
                if on_chunk is not None and len(chunks) > 1:
                    on_chunk(chunks[-2])
                if mode == "csv":
                    quotes_before = (quotes_before + buf.count(b'"', 0, cut)) % 2
                start += cut
                del buf[:cut]
            if not cutting:
                buf = bytearray()
    if chunks and not buf.strip():  # only blank lines left: they stay with the last chunk (never alone)
        last = chunks.pop()
        chunks.append(Chunk(last.start, size, last.header))
    elif chunks:
        chunks.append(Chunk(start, size, header))
    else:
        chunks.append(Chunk(0, size))
    return FileScan(digest.hexdigest(), size, empty, tuple(chunks))


def read_chunk(path: Path, chunk: Chunk) -> bytes:
    with path.open("rb") as handle:
        handle.seek(chunk.start)
        return chunk.header + handle.read(chunk.end - chunk.start)


class ChunkPath(type(Path())):  # type: ignore[misc]  # PosixPath or WindowsPath
    """The file's path (its name and suffix are what parsers look at) whose `read_bytes` gives one chunk:
    every parser reads its file through `path.read_bytes()`."""

    _chunk_data: bytes

    def read_bytes(self) -> bytes:
        data = getattr(self, "_chunk_data", None)
        return super().read_bytes() if data is None else data


class ReadPath(type(Path())):  # type: ignore[misc]  # PosixPath or WindowsPath
    """A whole file's path whose `read_bytes` gives the bytes already read (and hashed) once. Not a ChunkPath:
    parsers that treat a chunk as NDJSON (fhir) must still see a whole document as one."""

    _data: bytes

    def read_bytes(self) -> bytes:
        data = getattr(self, "_data", None)
        return super().read_bytes() if data is None else data


def chunk_path(path: Path, chunk: Chunk) -> Path:
    view = ChunkPath(path)
    view._chunk_data = read_chunk(path, chunk)
    return view
