"""Average the weights of several checkpoints (e.g. the last two `checkpoint-N` folders of a run) into a folder.

    python scripts/average_checkpoints.py OUTPUT CHECKPOINT [CHECKPOINT ...] [--weights W [W ...]]

Averaging the last checkpoints of a run often lowers WER a little for free; whether it does is for the
validation sets to say. `--weights` interpolates instead (e.g. `--weights 0.5 0.5` between a run's result and the
weights it started from, which keeps part of what the start knew). The output holds the first checkpoint's config
and processor with the averaged weights.
"""

import argparse
from collections.abc import Sequence

import torch

from uomni_hf import AuTTinyForCTC, AuTTinyProcessor


def average_checkpoints(output: str, checkpoints: list[str], weights: Sequence[float] | None = None) -> None:
    if weights is None:
        weights = [1 / len(checkpoints)] * len(checkpoints)
    if len(weights) != len(checkpoints):
        raise ValueError(f"{len(weights)} weights for {len(checkpoints)} checkpoints: give one weight per checkpoint")
    if any(w < 0 for w in weights) or abs(sum(weights) - 1) > 1e-6:
        raise ValueError(f"weights {list(weights)} must be non-negative and sum to 1")
    models = [AuTTinyForCTC.from_pretrained(path) for path in checkpoints]
    states = [model.state_dict() for model in models]
    if any(state.keys() != states[0].keys() for state in states):
        raise ValueError("the checkpoints have different parameters: only checkpoints of one architecture average")
    averaged = {name: sum(w * state[name].float() for w, state in zip(weights, states)) for name in states[0]}
    models[0].load_state_dict(averaged)
    models[0].save_pretrained(output)
    AuTTinyProcessor.from_pretrained(checkpoints[0]).save_pretrained(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output")
    parser.add_argument("checkpoints", nargs="+")
    parser.add_argument("--weights", nargs="+", type=float, help="one per checkpoint, summing to 1 (default: equal)")
    args = parser.parse_args()
    average_checkpoints(args.output, args.checkpoints, args.weights)


if __name__ == "__main__":
    main()
