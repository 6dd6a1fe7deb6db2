"""WER with and without the folder's language model, per audiofolder split; with a grid, tunes alpha/beta.

    # tune on validation (never on test), optionally writing the best values into language_model/attrs.json
    .venv/bin/python scripts/evaluate_language_model.py --model checkpoints/aut-tiny-ctc-en \
        --data runs/data/so762 --split validation --alpha 0.3 0.5 0.7 --beta 1 2 3 --write_best
    # report: greedy vs the folder's settings
    .venv/bin/python scripts/evaluate_language_model.py --model checkpoints/aut-tiny-ctc-en \
        --data runs/data/so762 runs/data/kokoro-reserved runs/data/espeak --split test

The acoustic model runs once per utterance (batches sorted by length); decoding is timed separately, one utterance
at a time, and reported as a real-time factor (decoding seconds per audio second). Utterances whose transcript is in
the language model's training text are reported apart too (`--lm_text_files`, `--lm_metadata_files`), since an n-gram that has read the sentence
says little about new ones.
"""

import argparse
import csv
import itertools
import json
import time
from pathlib import Path

import jiwer
import numpy as np
import torch
import torchcodec.decoders

from uomni_hf import AuTTinyForCTC, AuTTinyProcessor
from uomni_hf.cli.build_lm import normalized_sentences
from uomni_hf.text_normalization import normalize_transcript


def load_split(folder: Path, split: str, limit: int | None) -> tuple[list[np.ndarray], list[str]]:
    rows = list(csv.DictReader(open(folder / split / "metadata.csv", encoding="utf-8")))[:limit]
    audio = [
        torchcodec.decoders.AudioDecoder(str(folder / split / row["file_name"]), sample_rate=16000, num_channels=1)
        .get_all_samples().data[0].numpy()
        for row in rows
    ]
    return audio, [normalize_transcript(row["text"]) for row in rows]


@torch.no_grad()
def log_probs(model, processor, audio: list[np.ndarray], batch_size: int = 16) -> list[np.ndarray]:
    order = sorted(range(len(audio)), key=lambda i: len(audio[i]))
    out = [None] * len(audio)
    for start in range(0, len(order), batch_size):
        ids = order[start : start + batch_size]
        inputs = processor(audio=[audio[i] for i in ids], sampling_rate=16000, return_tensors="pt")
        outputs = model(**inputs)
        lengths = model.config.num_output_frames(inputs["attention_mask"].sum(-1))
        logits = torch.log_softmax(outputs.logits.float(), -1).numpy()
        for row, i in enumerate(ids):
            out[i] = logits[row, : int(lengths[row])]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", nargs="+", required=True, help="audiofolder folders")
    parser.add_argument("--split", default="validation")
    parser.add_argument("--limit", type=int, default=None, help="first N utterances of each split")
    parser.add_argument("--alpha", type=float, nargs="*", default=None)
    parser.add_argument("--beta", type=float, nargs="*", default=None)
    parser.add_argument("--beam_width", type=int, nargs="*", default=None)
    parser.add_argument("--write_best", action="store_true", help="store the grid's best alpha/beta in attrs.json")
    parser.add_argument("--lm_text_files", nargs="*", default=[], help="the LM's text (as given to uomni-build-lm)")
    parser.add_argument("--lm_metadata_files", nargs="*", default=[], help="the LM's metadata.csv files")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.write_best and args.split == "test":
        parser.error("--write_best tunes on test data: tune on validation")

    processor = AuTTinyProcessor.from_pretrained(args.model)
    if processor.decoder is None:
        parser.error(f"{args.model} has no language_model/ (uomni-build-lm --output_dir {args.model})")
    model = AuTTinyForCTC.from_pretrained(args.model).eval()
    defaults = processor.decoder.options
    grid = list(itertools.product(args.alpha or [defaults.alpha], args.beta or [defaults.beta],
                                  args.beam_width or [defaults.beam_width]))
    lm_sentences = set(normalized_sentences(args.lm_text_files, args.lm_metadata_files))

    totals = {}  # grid point -> list of (refs, hyps) per set
    print("| set | utterances | decoding | WER | CER | WER on text new to the LM | decoding RTF |\n|---|---|---|---|---|---|---|")
    for folder in map(Path, args.data):
        audio, refs = load_split(folder, args.split, args.limit)
        logits = log_probs(model, processor, audio)
        seconds = sum(len(a) for a in audio) / 16000
        new = [i for i, ref in enumerate(refs) if ref not in lm_sentences]
        runs = [("greedy", {})] + [(f"LM α={a} β={b} beam={w}", {"alpha": a, "beta": b, "beam_width": w}) for a, b, w in grid]
        for name, options in runs:
            hyps = []
            start = time.perf_counter()
            for row in logits:
                if options:
                    hyps.append(processor.decode(row, **options).text)
                else:
                    hyps.append(processor.decode(row, use_language_model=False).text)
            rtf = (time.perf_counter() - start) / seconds
            wer, cer = jiwer.wer(refs, hyps), jiwer.cer(refs, hyps)
            new_wer = jiwer.wer([refs[i] for i in new], [hyps[i] for i in new]) if new else float("nan")
            totals.setdefault(name, []).append(wer)
            print(f"| {folder.name} {args.split} | {len(refs)} ({len(new)} new) | {name} | {100 * wer:.1f} % | "
                  f"{100 * cer:.1f} % | {100 * new_wer:.1f} % | {rtf:.4f} |", flush=True)
    if len(grid) > 1 or args.write_best:
        best = min((name for name in totals if name != "greedy"), key=lambda name: np.mean(totals[name]))
        print(f"\nbest on {args.split} (mean WER over the sets): {best}: {100 * np.mean(totals[best]):.2f} % "
              f"(greedy {100 * np.mean(totals['greedy']):.2f} %)")
        if args.write_best:
            index = [n for n in totals if n != "greedy"].index(best)
            alpha, beta, beam = grid[index]
            attrs_path = Path(args.model) / "language_model" / "attrs.json"
            attrs = json.loads(attrs_path.read_text())
            attrs.update(alpha=alpha, beta=beta, beam_width=beam)
            attrs_path.write_text(json.dumps(attrs, indent=2) + "\n")
            print(f"wrote alpha={alpha} beta={beta} beam_width={beam} to {attrs_path}")


if __name__ == "__main__":
    main()
