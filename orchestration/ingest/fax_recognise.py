"""Recognise fax phrase crops with RapidOCR's PP-OCRv4 recogniser, driven directly through onnxruntime.

Why not `RapidOCR.text_rec`: its CTC decoder keeps only each character's probability and picks among
all 6,625 classes (mostly CJK), so a Latin fax sometimes comes back with a CJK glyph for a dash, and
the runner-up letter a spelling check needs ("m" behind a read "n") is thrown away. Here decoding is
limited to the characters a US referral can carry, and every character keeps its runner-up.

One session per process (model load is ~0.3 s), one crop per run: a batch is padded to its widest
crop and fax phrases run from "DOB" to a full line, so batching was measured to cost more CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

REC_HEIGHT = 48  # the height PP-OCRv4 rec was trained at; lower heights misread small print
MIN_WIDTH = 320  # the model's reference width (ratio 320:48): narrower crops are padded to it
# Printable ASCII, the accented Latin letters the model knows, typographic apostrophe and dashes.
ALLOWED = {chr(c) for c in range(0x20, 0x7F)} | set("ÉÓÜàáäèéìíòóúü’—")


@dataclass(frozen=True, slots=True)
class CharGuess:
    """One decoded character, its probability, and the best other character at the same frames."""

    char: str
    prob: float
    alt: str  # runner-up character ("" when nothing else had any weight)
    alt_prob: float


@dataclass(frozen=True, slots=True)
class Recognised:
    text: str
    confidence: float  # mean character probability, as RapidOCR reports it
    chars: tuple[CharGuess, ...]  # one per character of text


class Recogniser:
    """PP-OCRv4 text-line recogniser over grayscale crops."""

    def __init__(self, model_path: Path) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        # One thread: on a shared 2-core box ORT's second thread spin-waits more than it helps; the
        # memory arena is on (RapidOCR turns it off) because every crop has a different width.
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 4
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(model_path), opts, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        # The character list ships in the model's metadata; RapidOCR adds the blank and the space.
        listed = self.session.get_modelmeta().custom_metadata_map["character"].splitlines()
        characters = ["blank", *listed, " "]
        self.characters = characters
        keep = [i for i, ch in enumerate(characters) if i == 0 or ch in ALLOWED]
        self.keep = np.array(keep, dtype=np.int64)  # index 0 is the CTC blank

    def prepare(self, crop: np.ndarray) -> np.ndarray:
        """Resize to the model's height keeping the aspect ratio, scale to [-1, 1], pad to 320 wide."""
        h, w = crop.shape[:2]
        ratio = w / max(h, 1)
        # RapidOCR's own arithmetic (padded width floored, text width ceiled then clamped): the
        # recogniser's output shifts with a pixel of width, so stay with what it was measured on.
        padded = max(MIN_WIDTH, int(REC_HEIGHT * ratio))
        width = max(1, min(padded, math.ceil(REC_HEIGHT * ratio)))
        resized = cv2.resize(crop, (width, REC_HEIGHT)).astype(np.float32) / 255
        out = np.zeros((1, 3, REC_HEIGHT, padded), np.float32)
        out[0, :, :, :width] = (resized - 0.5) / 0.5  # gray page: the three channels are equal
        return out

    def recognise(self, crop: np.ndarray) -> Recognised:
        probs = self.session.run(None, {self.input_name: self.prepare(crop)})[0][0]
        return self.decode(probs[:, self.keep])

    def decode(self, probs: np.ndarray) -> Recognised:
        """Greedy CTC over the allowed classes (columns of `probs` follow `self.keep`)."""
        best = probs.argmax(axis=1)
        chars: list[CharGuess] = []
        t, n = 0, len(best)
        while t < n:
            k = int(best[t])
            end = t + 1
            while end < n and best[end] == k:
                end += 1
            if k != 0:
                run = probs[t:end]
                rival = run.copy()
                rival[:, [0, k]] = 0.0  # neither the blank nor the character itself
                peaks = rival.max(axis=0)
                j = int(peaks.argmax())
                alt = self.characters[self.keep[j]] if peaks[j] >= 1e-3 else ""
                chars.append(
                    CharGuess(self.characters[self.keep[k]], float(run[:, k].max()), alt, float(peaks[j]))
                )
            t = end
        text = "".join(c.char for c in chars)
        conf = float(np.mean([c.prob for c in chars])) if chars else 0.0
        return Recognised(text, conf, tuple(chars))


@lru_cache(maxsize=1)
def recogniser() -> Recogniser:
    """The process's recogniser, on the model inside the RapidOCR wheel (offline, nothing downloaded)."""
    import rapidocr_onnxruntime

    return Recogniser(Path(rapidocr_onnxruntime.__file__).parent / "models" / "ch_PP-OCRv4_rec_infer.onnx")
