"""Average the weights of several checkpoints of one run (e.g. the last two `checkpoint-N` folders) into a folder.

    python scripts/average_checkpoints.py OUTPUT CHECKPOINT [CHECKPOINT ...]

Averaging the last checkpoints of a run often lowers WER a little for free; whether it does is for the
validation sets to say. The output holds the first checkpoint's config and processor with the averaged weights.
"""

import argparse

import torch

from uomni_hf import AuTTinyForCTC, AuTTinyProcessor


def average_checkpoints(output: str, checkpoints: list[str]) -> None:
    models = [AuTTinyForCTC.from_pretrained(path) for path in checkpoints]
    states = [model.state_dict() for model in models]
    averaged = {name: torch.stack([state[name].float() for state in states]).mean(0) for name in states[0]}
    models[0].load_state_dict(averaged)
    models[0].save_pretrained(output)
    AuTTinyProcessor.from_pretrained(checkpoints[0]).save_pretrained(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output")
    parser.add_argument("checkpoints", nargs="+")
    args = parser.parse_args()
    average_checkpoints(args.output, args.checkpoints)


if __name__ == "__main__":
    main()
