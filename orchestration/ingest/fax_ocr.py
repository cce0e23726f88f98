"""Read a referral fax (image-only PDF or multi-page TIFF) into OCR lines with boxes and confidences.

Fax pages are clean black-on-white documents, so text lines are found with morphology (remove ruling
lines, smear characters into phrases, connected components) instead of the neural text detector: that
is an order of magnitude cheaper on two CPU cores and just as good on fax images. Only recognition
uses RapidOCR's network (see fax_recognise), one phrase crop at a time, one session per process.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from orchestration.ingest.fax_recognise import CharGuess, recogniser
from orchestration.ingest.fax_reread import doubts_a_letter, second_readings

TARGET_W = 1728  # fax pages are 1728 px wide; everything downstream assumes ~200 dpi square pixels
MAX_PAGES = 30


class FaxUnreadable(Exception):
    """The fax file cannot be read as images. The reason names the problem, never the content."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OcrLine:
    text: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in page pixels (square, ~200 dpi)
    confidence: float
    page: int  # 1-based
    # Per character of text: probability and the recogniser's runner-up (empty when not from OCR).
    chars: tuple[CharGuess, ...] = ()
    # Second readings (other preparations of the crop), a guess per character of text (None where
    # they do not line up), made only when the first reading doubted a letter (see fax_reread).
    rereads: tuple[tuple[CharGuess | None, ...], ...] = ()

    @property
    def cx(self) -> float:
        return (self.box[0] + self.box[2]) / 2

    @property
    def cy(self) -> float:
        return (self.box[1] + self.box[3]) / 2

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


@dataclass
class OcrPage:
    page: int  # 1-based
    width: int
    height: int
    skew_degrees: float  # rotation that was undone
    image_ref: str  # "<file name>#page=<n>": where a reviewer finds the page image
    lines: list[OcrLine] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def ocr_pages(path: Path) -> list[OcrPage]:
    """Rasterise, square, deskew, clean and OCR every page of a fax file, lines in reading order."""
    return ocr_images(load_fax_images(path), path.name)


def ocr_images(images: list[np.ndarray], file_name: str) -> list[OcrPage]:
    """OCR pages already loaded by `load_fax_images` (the caller may reuse them, e.g. for page PNGs)."""
    pages = []
    for i, gray in enumerate(images, start=1):
        angle, straight = deskew(gray)
        clean = clean_page(straight)
        boxes, borders = find_phrases(clean)
        lines = recognise(clean, boxes, page=i, borders=borders, raw=straight)
        h, w = clean.shape
        pages.append(OcrPage(i, w, h, angle, f"{file_name}#page={i}", reading_order(lines)))
    return pages


def clean_page(gray: np.ndarray) -> np.ndarray:
    # Median removes line-noise speckles and fills dropouts; the light blur gives the recogniser
    # (trained on grey photos, not 1-bit scans) softer edges: measurably fewer misread letters.
    return cv2.GaussianBlur(cv2.medianBlur(gray, 3), (3, 3), 0)


def load_fax_images(path: Path) -> list[np.ndarray]:
    """Grayscale pages with square pixels, 1728 px wide."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FaxUnreadable(f"cannot read file: {type(exc).__name__}") from exc
    if not data:
        raise FaxUnreadable("empty file")
    if data[:5] == b"%PDF-":
        pages = _pdf_pages(data)
    elif data[:4] in (b"II*\x00", b"MM\x00*") or data[:8] == b"\x89PNG\r\n\x1a\n":
        pages = _image_pages(data)
    else:
        raise FaxUnreadable("not a PDF or TIFF file")
    if not pages:
        raise FaxUnreadable("file has no pages")
    return pages


def _pdf_pages(data: bytes) -> list[np.ndarray]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise FaxUnreadable("PDF could not be parsed (truncated or corrupt)") from exc
    try:
        if len(pdf) > MAX_PAGES:
            raise FaxUnreadable(f"PDF has more than {MAX_PAGES} pages")
        out = []
        for page in pdf:
            width_pt = page.get_width()
            if width_pt <= 0:
                raise FaxUnreadable("PDF page has no size")
            # Rendering at page geometry squares the anisotropic fax pixels for free.
            bitmap = page.render(scale=TARGET_W / width_pt, grayscale=True)
            out.append(np.asarray(bitmap.to_pil().convert("L")).copy())
        return out
    except pdfium.PdfiumError as exc:
        raise FaxUnreadable("PDF page could not be rendered") from exc
    finally:
        pdf.close()


def _image_pages(data: bytes) -> list[np.ndarray]:
    out = []
    try:
        with Image.open(io.BytesIO(data)) as im:
            for n in range(min(getattr(im, "n_frames", 1), MAX_PAGES)):
                im.seek(n)
                xdpi, ydpi = (float(v) for v in im.info.get("dpi", (204, 196)))
                page = im.convert("L")
                w, h = page.size
                # Standard-resolution faxes have half-height pixels; stretch rows to square them.
                scale_x = TARGET_W / w
                scale_y = scale_x * (xdpi / ydpi if ydpi > 0 and xdpi / ydpi > 1.3 else 1.0)
                size = (TARGET_W, max(1, round(h * scale_y)))
                page = page.resize(size, Image.Resampling.BILINEAR) if size != (w, h) else page
                out.append(np.asarray(page).copy())
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError) as exc:
        raise FaxUnreadable(f"image could not be decoded ({type(exc).__name__})") from exc
    return out


def _profile_score(ink: np.ndarray, angle: float) -> float:
    h, w = ink.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = rotated.sum(axis=1, dtype=np.float64)
    return float(np.var(rows))  # text rows aligned with the axis give the peakiest profile


def estimate_skew(gray: np.ndarray) -> float:
    """Angle (degrees, PIL/cv2 convention) that straightens the page: coarse then fine search."""
    small = cv2.resize(gray, (gray.shape[1] // 3, gray.shape[0] // 3), interpolation=cv2.INTER_AREA)
    ink = (small < 160).astype(np.uint8)
    best = max(np.arange(-3.0, 3.01, 0.5), key=lambda a: _profile_score(ink, a))
    fine = np.arange(best - 0.5, best + 0.51, 0.1)
    return float(max(fine, key=lambda a: _profile_score(ink, a)))


def deskew(gray: np.ndarray) -> tuple[float, np.ndarray]:
    angle = estimate_skew(gray)
    if abs(angle) < 0.05:
        return 0.0, gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    return angle, out


def find_text_boxes(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Phrase boxes: ink minus ruling lines, smeared horizontally, as connected components."""
    return find_phrases(gray)[0]


def find_phrases(gray: np.ndarray) -> tuple[list[tuple[int, int, int, int]], np.ndarray]:
    """Phrase boxes, and the mask of vertical ruling lines (box borders) the recogniser must not see:
    a cell's border beside its value is otherwise read as "[", "|", "I" or "1" before it."""
    ink = (gray < 140).astype(np.uint8) * 255
    # Close dropout gaps along each direction first, or a dotted box border survives in pieces that
    # glue neighbouring cells' text into one phrase. Gaps are 1 px across and 2 px down (standard
    # mode doubles rows). Closing more would fuse a row of bold letters into a "rule"; text is
    # shorter than 60 px, so vertical rules can be short.
    rect = cv2.getStructuringElement
    h_closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, rect(cv2.MORPH_RECT, (3, 1)))
    v_closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, rect(cv2.MORPH_RECT, (1, 5)))
    horiz = cv2.morphologyEx(h_closed, cv2.MORPH_OPEN, rect(cv2.MORPH_RECT, (100, 1)))
    vert = cv2.morphologyEx(v_closed, cv2.MORPH_OPEN, rect(cv2.MORPH_RECT, (1, 60)))
    rules = cv2.dilate(horiz | vert, np.ones((3, 3), np.uint8))
    text = cv2.subtract(ink, rules)
    # A gap of ~1 em separates fields; letters and words inside a phrase are closer than that.
    smear = cv2.dilate(text, cv2.getStructuringElement(cv2.MORPH_RECT, (22, 3)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(smear, connectivity=8)
    found = [
        (x, y, x + w, y + h)
        for x, y, w, h, area in stats[1:n]
        # Not specks, tall blobs (signature scribbles) or leftover pieces of box borders.
        if not (h < 12 or h > 160 or w < 12 or area < 120 or (h > 40 and h > 4 * w))
    ]
    typical = float(np.median([b[3] - b[1] for b in found])) if found else 0.0
    boxes = []
    h_img, w_img = gray.shape
    for box in found:
        # A phrase twice a line's height is two stacked lines a speck bridged (a cell's label and
        # its value): split it where a band of rows holds no ink.
        parts = split_stacked(text, box) if box[3] - box[1] > 1.7 * typical else [box]
        for x0, y0, x1, y1 in parts:
            boxes.append((max(0, x0 - 4), max(0, y0 - 3), min(w_img, x1 + 4), min(h_img, y1 + 3)))
    return merge_row_neighbours(boxes), cv2.dilate(vert, np.ones((3, 3), np.uint8))


def split_stacked(ink: np.ndarray, box: tuple[int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """The text lines of a box: bands of rows with ink, cut at runs of >= 3 (nearly) blank rows
    (a speck or two allowed); the box itself unless it holds two or more bands >= 10 rows tall."""
    x0, y0, x1, y1 = box
    region = ink[y0:y1, x0:x1] > 0
    inked = region.sum(axis=1) > 2
    bands: list[list[int]] = []
    gap = 0
    for r, has_ink in enumerate(inked):
        if not has_ink:
            gap += 1
            continue
        if bands and gap < 3:
            bands[-1][1] = r + 1
        else:
            bands.append([r, r + 1])
        gap = 0
    bands = [band for band in bands if band[1] - band[0] >= 10]  # not specks or a rule's remnant
    if len(bands) < 2:
        return [box]
    out = []
    for a, b in bands:
        cols = np.flatnonzero(region[a:b].any(axis=0))
        out.append((x0 + int(cols[0]), y0 + a, x0 + int(cols[-1]) + 1, y0 + b))
    return out


def merge_row_neighbours(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Join boxes on one row closer than ~1 line height: wide word spacing must not split a phrase,
    while the wide gaps between form columns still do."""
    merged: list[list[int]] = []
    for box in sorted(boxes, key=lambda b: b[0]):
        x0, y0, x1, y1 = box
        for m in merged:
            h = max(y1 - y0, m[3] - m[1])
            overlap = min(y1, m[3]) - max(y0, m[1])
            similar = min(y1 - y0, m[3] - m[1]) > 0.5 * h  # never fuse a row with a taller blob
            if similar and overlap > 0.5 * min(y1 - y0, m[3] - m[1]) and x0 - m[2] < 0.9 * h and x0 >= m[0]:
                m[:] = [m[0], min(m[1], y0), max(m[2], x1), max(m[3], y1)]
                break
        else:
            merged.append([x0, y0, x1, y1])
    return [(m[0], m[1], m[2], m[3]) for m in merged]


def recognise(
    gray: np.ndarray,
    boxes: list[tuple[int, int, int, int]],
    page: int,
    borders: np.ndarray | None = None,
    raw: np.ndarray | None = None,
) -> list[OcrLine]:
    """Recognise each phrase box; `borders` (vertical rules, see find_phrases) are whited out. With
    `raw` (the page before `clean_page`), doubtful crops are read again (see fax_reread)."""
    rec = recogniser()
    lines = []
    for box in boxes:
        x0, y0, x1, y1 = box
        crop = gray[y0:y1, x0:x1]
        raw_crop = raw[y0:y1, x0:x1] if raw is not None else None
        if borders is not None and (mask := borders[y0:y1, x0:x1]).any():
            crop = np.where(mask > 0, np.uint8(255), crop)
            raw_crop = np.where(mask > 0, np.uint8(255), raw_crop) if raw_crop is not None else None
        res = rec.recognise(crop)
        text = res.text.strip()
        if text and res.confidence >= 0.3:
            lead = len(res.text) - len(res.text.lstrip())
            again = ()
            if raw_crop is not None and doubts_a_letter(res):
                again = second_readings(rec, raw_crop, text)
            lines.append(OcrLine(text, box, res.confidence, page, res.chars[lead : lead + len(text)], again))
    return lines


def reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """Top-to-bottom rows (boxes whose vertical centres are within half a line), left to right."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda ln: ln.cy):
        if rows and abs(line.cy - np.mean([r.cy for r in rows[-1]])) < 0.5 * max(line.height, 20):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [ln for row in rows for ln in sorted(row, key=lambda ln: ln.box[0])]
