"""Calibration and lift plots as PNG files for the MLflow run (matplotlib, no display).

Figures are made without pyplot (no global figure registry), so two models' plots can be drawn on two
threads at once; the PNG is rendered by Agg as before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def _figure() -> Figure:
    figure = Figure(figsize=(5, 5))
    FigureCanvasAgg(figure)  # headless: training runs in Dagster workers, CI and threads
    return figure


def calibration_plot(y: np.ndarray, p: np.ndarray, path: Path, bins: int = 10, title: str = "") -> Path:
    """Observed rate per predicted-probability bin against the diagonal; marker size = bin count."""
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    mean_p, rate, count = [], [], []
    for b in range(bins):
        mask = index == b
        if mask.any():
            mean_p.append(p[mask].mean())
            rate.append(y[mask].mean())
            count.append(int(mask.sum()))
    fig = _figure()
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
    sizes = 20 + 180 * np.asarray(count) / max(count or [1])
    ax.scatter(mean_p, rate, s=sizes)
    ax.plot(mean_p, rate)
    ax.set(xlabel="predicted probability", ylabel="observed rate", xlim=(0, 1), ylim=(0, 1))
    ax.set_title(title or "Calibration (holdout)")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    return path


def lift_plot(y: np.ndarray, p: np.ndarray, path: Path, title: str = "") -> Path:
    """Cumulative gain: share of conversions found when calling leads in score order."""
    order = np.argsort(-p, kind="stable")
    found = np.cumsum(y[order]) / max(1, y.sum())
    called = np.arange(1, y.size + 1) / max(1, y.size)
    fig = _figure()
    ax = fig.subplots()
    ax.plot(called, found, label="model")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="random order")
    ax.set(xlabel="share of leads called", ylabel="share of bookings reached", xlim=(0, 1), ylim=(0, 1))
    ax.set_title(title or "Cumulative gain (holdout)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    return path
