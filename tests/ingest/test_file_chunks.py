"""Cutting line-oriented files into chunks: the chunks cover the file, cut only at line ends (outside CSV
quotes), and their line numbers are the file's once shifted by the line ends before them (FileLines)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.file_chunks import FileLines, chunk_path, read_chunk, scan_file

_LINE = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF, exclude_characters='"\\'), max_size=40)


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "f.ndjson"
    path.write_bytes(data)
    return path


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(_LINE, min_size=1, max_size=60), chunk_bytes=st.integers(1, 200))
def test_chunks_cover_the_file_and_start_at_line_starts(tmp_path_factory, lines, chunk_bytes) -> None:
    data = ("\n".join(f'["{line}"]' for line in lines) + "\n").encode()
    path = _write(tmp_path_factory.mktemp("c"), data)
    scan = scan_file(path, "lines", chunk_bytes)
    assert scan.sha == hashlib.sha256(data).hexdigest() and scan.size == len(data)
    assert b"".join(read_chunk(path, c) for c in scan.chunks) == data
    lines = FileLines(path)
    for chunk in scan.chunks:
        assert chunk.start == 0 or data[chunk.start - 1 : chunk.start] == b"\n"
        assert lines.before(chunk.start) == data.count(b"\n", 0, chunk.start)
        assert chunk.line_offset(lines.before(chunk.start)) == data.count(b"\n", 0, chunk.start)


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(st.tuples(_LINE, st.booleans()), min_size=1, max_size=50),
    chunk_bytes=st.integers(1, 150),
)
def test_csv_is_never_cut_inside_a_quoted_field(tmp_path_factory, cells, chunk_bytes) -> None:
    header = b"id,body\n"
    rows = [
        f'{i},"{text}\n{text}"' if multiline else f"{i},{text}" for i, (text, multiline) in enumerate(cells)
    ]
    data = header + ("\n".join(rows) + "\n").encode()
    path = _write(tmp_path_factory.mktemp("c"), data)
    scan = scan_file(path, "csv", chunk_bytes)
    assert b"".join(read_chunk(path, c)[len(c.header) :] for c in scan.chunks) == data
    for number, chunk in enumerate(scan.chunks):
        assert data.count(b'"', 0, chunk.start) % 2 == 0  # outside quotes
        assert chunk.header == (header if number else b"")
        # the parser's line 2 (first after the header) is the chunk's first line of the file
        before = data.count(b"\n", 0, chunk.start)
        assert chunk.line_offset(before) + (2 if number else 1) == before + 1


def test_small_file_is_one_chunk_and_blank_tail_stays_with_the_last(tmp_path: Path) -> None:
    data = b'{"a":1}\n' * 10 + b"\n\n  \n"
    path = _write(tmp_path, data)
    assert len(scan_file(path, "lines", 1000).chunks) == 1
    chunks = scan_file(path, "lines", 30).chunks
    assert len(chunks) > 1 and chunks[-1].end == len(data)
    assert read_chunk(path, chunks[-1]).strip()  # never a chunk of blank lines alone


def test_a_document_that_is_not_json_lines_is_never_cut(tmp_path: Path) -> None:
    pretty = b'{\n  "resourceType": "Bundle",\n  "entry": []\n}\n' * 20
    assert len(scan_file(_write(tmp_path, pretty), "lines", 10).chunks) == 1
    assert len(scan_file(_write(tmp_path, b"[\n" + b'{"a":1},\n' * 20 + b"]\n"), "lines", 10).chunks) == 1
    assert len(scan_file(_write(tmp_path, b'{"a":1}\n' * 20), None, 10).chunks) == 1


def test_a_chunk_path_reads_its_chunk_and_keeps_the_name(tmp_path: Path) -> None:
    path = _write(tmp_path, b"id,x\n1,a\n2,b\n3,c\n")
    chunks = scan_file(path, "csv", 6).chunks
    view = chunk_path(path, chunks[-1])
    assert view.name == "f.ndjson" and view.suffix == ".ndjson"
    assert view.read_bytes() == b"id,x\n" + read_chunk(path, chunks[-1])[len(chunks[-1].header) :]


def _count_first_line_decodes(monkeypatch) -> list[bytes]:
    from orchestration.ingest import file_chunks

    decoded: list[bytes] = []
    real = file_chunks.json.loads

    def counting(line, *args, **kwargs):
        decoded.append(bytes(line))
        return real(line, *args, **kwargs)

    monkeypatch.setattr(file_chunks.json, "loads", counting)
    return decoded


def test_a_file_of_one_chunk_is_hashed_without_judging_its_first_line(tmp_path: Path, monkeypatch) -> None:
    decoded = _count_first_line_decodes(monkeypatch)
    data = b'[{"event":"open"},' + b'{"event":"click"},' * 50 + b'{"event":"x"}]'  # SendGrid: one line
    scan = scan_file(_write(tmp_path, data), "lines", len(data))
    assert decoded == []
    assert (scan.sha, scan.size, len(scan.chunks)) == (hashlib.sha256(data).hexdigest(), len(data), 1)
    scan_file(_write(tmp_path, b'{"a":1}\n' * 20), "lines", 10)  # over one chunk: judged as before
    assert decoded == [b'{"a":1}']


def test_a_first_line_longer_than_a_read_block_is_never_cut_nor_decoded(tmp_path: Path, monkeypatch) -> None:
    from orchestration.ingest import file_chunks

    monkeypatch.setattr(file_chunks, "_READ_BLOCK", 64)
    decoded = _count_first_line_decodes(monkeypatch)
    data = b"[" + b'{"a":1},' * 40 + b'{"a":2}]\n' + b'{"b":1}\n' * 20
    scan = scan_file(_write(tmp_path, data), "lines", 32)
    assert decoded == [] and len(scan.chunks) == 1 and scan.chunks[0].end == len(data)


def test_file_lines_count_forward_and_again_from_the_start(tmp_path: Path) -> None:
    data = b"a\nbb\n\nccc\n" * 1000
    lines = FileLines(_write(tmp_path, data))
    for offset in (0, 7, 7, 5000, 12_000, 3, len(data), 1):
        assert lines.before(offset) == data.count(b"\n", 0, offset)
