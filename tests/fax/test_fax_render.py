"""Rendering: fax geometry, formats, determinism, label variety."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from field_maker import make_fields
from PIL import Image

from orchestration.generator.fax_render import FAX_LAYOUTS, FaxStyle, render_fax


@pytest.mark.parametrize("layout", range(FAX_LAYOUTS))
@pytest.mark.parametrize(("fine", "height", "ydpi"), [(False, 1100, 98), (True, 2200, 196)])
def test_tiff_pages_are_one_bit_g4_at_fax_resolution(
    tmp_path: Path, layout: int, fine: bool, height: int, ydpi: int
) -> None:
    path = tmp_path / "f.tif"
    pages = render_fax(make_fields(layout, "f.tif"), layout, path, seed=layout, fine=fine)
    with Image.open(path) as im:
        assert im.n_frames == pages == (2 if layout == 3 else 1)
        assert im.mode == "1" and im.size == (1728, height)
        assert im.info["compression"] == "group4"
        assert tuple(round(v) for v in im.info["dpi"]) == (204, ydpi)


def test_pdf_is_image_only_with_fax_page_size(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    path = tmp_path / "f.pdf"
    pages = render_fax(make_fields(1, "f.pdf"), 3, path, seed=1, fine=False)
    pdf = pdfium.PdfDocument(path)
    assert len(pdf) == pages == 2
    page = pdf[0]
    assert abs(page.get_width() / 72 - 1728 / 204) < 0.05  # 8.47 in wide
    assert page.get_textpage().get_text_range().strip() == ""  # no text layer: OCR is required
    pdf.close()


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    fields = make_fields(5, "f.tif")
    digests = []
    for name, seed in (("a.tif", 5), ("b.tif", 5), ("c.tif", 6)):
        render_fax(fields, 0, tmp_path / name, seed=seed, fine=False)
        digests.append(hashlib.sha256((tmp_path / name).read_bytes()).hexdigest())
    assert digests[0] == digests[1] != digests[2]


def test_styles_vary_fonts_labels_and_formats() -> None:
    styles = [FaxStyle.from_seed(s) for s in range(60)]
    assert len({s.face for s in styles}) >= 4
    assert len({s.label("dob") for s in styles}) >= 3
    assert len({s.date("2024-03-05") for s in styles}) >= 5
    assert len({s.phone("5125550100") for s in styles}) >= 4


def test_orders_written_as_ranges_end_at_the_true_frequency() -> None:
    from orchestration.ingest.fax_normalise import normalise_orders

    for seed in range(40):
        text = FaxStyle.from_seed(seed).orders("3x/week x 6 weeks")
        assert normalise_orders(text) == "3x/week x 6 weeks", text


def test_unknown_layout_and_suffix_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="layout"):
        render_fax(make_fields(1, "f.tif"), FAX_LAYOUTS, tmp_path / "f.tif", seed=1, fine=False)
    with pytest.raises(ValueError, match=r"\.png"):
        render_fax(make_fields(1, "f.png"), 0, tmp_path / "f.png", seed=1, fine=False)


@pytest.mark.parametrize("seed", [1, 3, 5])
def test_cell_borders_beside_values_are_not_read_as_characters(seed: int) -> None:
    """A value written 4 px right of its cell's border: the border is whited out before recognition,
    so no "[", "|" or "1" is read before the value (these seeds' fonts did read one before)."""
    import numpy as np

    from orchestration.generator.fax_render import Canvas
    from orchestration.ingest.fax_ocr import clean_page, find_phrases, recognise

    values = ["78613", "Luis Williams", "14555964", "July 3, 1951"]
    c = Canvas(FaxStyle.from_seed(seed), margin=80)
    for k, value in enumerate(values):
        top = 100 + 90 * k
        c.rect((100, top, 700, top + 70), width=2)
        c.text(104, top + 15, value)
    gray = clean_page(np.asarray(c.image.convert("L")).copy())
    boxes, borders = find_phrases(gray)
    assert borders[100:160, 100].any() and not borders[:, 300].any()  # the rule, not the text
    assert sorted(ln.text for ln in recognise(gray, boxes, 1, borders)) == sorted(values)


def test_two_stacked_lines_a_speck_bridged_are_split_into_phrases() -> None:
    """A cell's label and its value, joined into one phrase by a speck between them, come apart
    at the blank rows; one line (an i's dot, a rule's remnant above it) stays one phrase."""
    import numpy as np

    from orchestration.ingest.fax_ocr import split_stacked

    ink = np.zeros((100, 300), np.uint8)
    ink[2:4, 0:200] = 255  # a remnant of the cell's top rule
    ink[10:30, 10:150] = 255  # the label
    ink[30:55, 80:81] = 255  # a speck trail bridging the gap (one pixel a row)
    ink[55:85, 10:260] = 255  # the value
    assert split_stacked(ink, (0, 0, 300, 100)) == [(10, 10, 150, 30), (10, 55, 260, 85)]
    one = np.zeros((60, 300), np.uint8)
    one[5:8, 40:44] = 255  # a dot
    one[10:40, 10:260] = 255
    assert split_stacked(one, (0, 0, 300, 60)) == [(0, 0, 300, 60)]
