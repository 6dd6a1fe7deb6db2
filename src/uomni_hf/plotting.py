"""The alignment picture: an utterance's log-mel spectrogram with the recognized words at their CTC timestamps.

Used by `examples/plot_alignment.py` and the `uomni-app` page. Needs matplotlib (the `examples` or `app` extra); it
draws on a bare `matplotlib.figure.Figure`, without pyplot's global state, so a web server's threads can share it.
"""

from typing import Any

import numpy as np


def alignment_figure(
    features: np.ndarray,
    seconds: float,
    result: dict[str, Any],
    *,
    title: str | None = None,
    max_width: float = 40.0,
):
    """A figure of `features` (frames, mel bins) spanning `seconds`, with the pipeline's word `chunks` of `result`
    (`return_timestamps="word"`) marked and labelled. The width grows with the audio, up to `max_width` inches."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(min(max(6.0, 1.6 * seconds), max_width), 3.6))
    axis = figure.subplots()
    axis.imshow(features.T, origin="lower", aspect="auto", extent=(0, seconds, 0, features.shape[1]), cmap="magma")
    for index, chunk in enumerate(result.get("chunks", [])):
        start, end = chunk["timestamp"]
        axis.axvspan(start, end, color="cyan", alpha=0.18)
        axis.axvline(start, color="cyan", linewidth=0.8)
        height = features.shape[1] * (0.88 if index % 2 == 0 else 0.76)
        axis.text(start, height, chunk["text"], color="white", fontsize=9, weight="bold")
    axis.set_xlabel("seconds")
    axis.set_ylabel("mel bin")
    axis.set_title(title if title is not None else f"AuT-Tiny: {result['text']}", fontsize=9)
    figure.tight_layout()
    return figure


def figure_to_array(figure, dpi: int = 100) -> np.ndarray:
    """Render a figure to an RGB `uint8` array (height, width, 3)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    figure.set_dpi(dpi)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()
