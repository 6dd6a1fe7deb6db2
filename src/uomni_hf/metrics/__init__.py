"""WER and CER as local `evaluate` modules, so metrics work offline (no Hub download)."""

from pathlib import Path

import evaluate


METRICS_DIR = Path(__file__).parent


def load_metric(name: str) -> evaluate.EvaluationModule:
    """`evaluate.load` by path for "wer" or "cer"."""
    if name not in ("wer", "cer"):
        raise ValueError(f"Only 'wer' and 'cer' ship with uomni_hf, got {name!r}.")
    return evaluate.load(str(METRICS_DIR / name))
