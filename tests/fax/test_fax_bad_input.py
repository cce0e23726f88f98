"""Unreadable fax files raise FaxUnreadable with a reason that names no patient data."""

from __future__ import annotations

from pathlib import Path

import pytest
from field_maker import make_fields
from PIL import Image

from orchestration.generator.fax_layouts import layout_table
from orchestration.generator.fax_render import render_with
from orchestration.ingest.fax_ocr import FaxUnreadable, load_fax_images


@pytest.fixture(scope="module")
def good_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    fields = make_fields(11, "fax.pdf")
    path = tmp_path_factory.mktemp("fax") / "fax.pdf"
    render_with(layout_table, fields, path, seed=11, fine=False)
    phi = [fields.first_name, fields.last_name, fields.dob, fields.phone, fields.member_id]
    return path, [p for p in phi if p]


def _reason(path: Path) -> str:
    with pytest.raises(FaxUnreadable) as info:
        load_fax_images(path)
    return info.value.reason


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    assert _reason(path) == "empty file"


def test_truncated_pdf_names_no_phi(tmp_path: Path, good_pdf: tuple[Path, list[str]]) -> None:
    src, phi = good_pdf
    path = tmp_path / "cut.pdf"
    path.write_bytes(src.read_bytes()[: len(src.read_bytes()) // 3])
    reason = _reason(path)
    assert "PDF" in reason
    assert not any(value in reason for value in phi)


def test_truncated_tiff(tmp_path: Path) -> None:
    img = Image.new("1", (1728, 1100), 1)
    full = tmp_path / "full.tif"
    img.save(full, compression="group4", dpi=(204, 98))
    path = tmp_path / "cut.tif"
    path.write_bytes(full.read_bytes()[:60])
    assert "image" in _reason(path)


@pytest.mark.parametrize(
    "payload", [b"\x00\x01garbage" * 50, b"Patient: John Smith DOB 01/02/1960", b"GIF89a"]
)
def test_garbage_is_not_a_fax(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(payload)
    reason = _reason(path)
    assert reason == "not a PDF or TIFF file"
    assert "John" not in str(FaxUnreadable(reason))


def test_missing_file(tmp_path: Path) -> None:
    assert "cannot read" in _reason(tmp_path / "nope.tif")


def test_readable_standard_fax_is_squared(good_pdf: tuple[Path, list[str]]) -> None:
    pages = load_fax_images(good_pdf[0])
    h, w = pages[0].shape
    assert w == 1728 and 2100 < h < 2300  # 204x98 dpi rows stretched back to square pixels
