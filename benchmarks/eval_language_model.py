"""WER with and without the folder's language model, per audiofolder split; with a grid, tunes its settings.

    # tune on validation (never on test), optionally writing the best values into language_model/attrs.json
    .venv/bin/python benchmarks/eval_language_model.py --model checkpoints/aut-tiny-ctc-en \
        --data runs/data/so762 --split validation --alpha 0.3 0.5 0.7 --beta 1 2 3 --write_best
    # any LMDecodingOptions number can be searched: --beam_width, --token_beam_width, --beam_threshold, ...
    # report: greedy vs the folder's settings
    .venv/bin/python benchmarks/eval_language_model.py --model checkpoints/aut-tiny-ctc-en \
        --data runs/data/so762 runs/data/kokoro-reserved runs/data/espeak --split test

The acoustic model runs once per utterance (batches sorted by length); decoding is timed separately, one utterance
at a time, and reported as a real-time factor (decoding seconds per audio second). Utterances whose transcript is in
the language model's training text are reported apart too (`--lm_text_files`, `--lm_metadata_files`),
since an n-gram that has read the sentence says little about new ones.
"""

import argparse
import itertools
import json
import time
from pathlib import Path

import jiwer
import numpy as np
import torch

from uomni_hf import AuTTinyForCTC, AuTTinyProcessor
from uomni_hf.cli.build_lm import normalized_sentences
from uomni_hf.decoding_aut_tiny import LANGUAGE_MODEL_DIR, TUNABLE_OPTIONS, LMDecodingOptions
from uomni_hf.text_normalization import normalize_transcript

from _common import audiofolder_split, command_line


# The short names of the searched settings (`TUNABLE_OPTIONS`) in the table.
LABELS = {"alpha": "α", "beta": "β", "beam_width": "beam", "token_beam_width": "tokens", "beam_threshold": "threshold",
          "unk_score_offset": "unk"}  # fmt: skip


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
    for name in TUNABLE_OPTIONS:
        parser.add_argument(f"--{name}", type=type(getattr(LMDecodingOptions(), name)), nargs="*", default=None)
    parser.add_argument("--write_best", action="store_true", help="store the grid's best settings in attrs.json")
    parser.add_argument("--lm_text_files", nargs="*", default=[], help="the LM's text (as given to uomni-build-lm)")
    parser.add_argument("--lm_metadata_files", nargs="*", default=[], help="the LM's metadata.csv files")
    parser.add_argument("--lm_lexicon_size", type=int, default=0, help="the LM's uomni-build-lm --lexicon_size")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--metrics_json", default=None,
                        help="also write {split}_{folder}_{wer,cer,lm_wer,lm_cer} (fractions; LM: the folder's settings, "
                             "or the grid's best) for `python -m uomni_hf.training.model_card --results`")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.write_best and args.split == "test":
        parser.error("--write_best tunes on test data: tune on validation")

    processor = AuTTinyProcessor.from_pretrained(args.model)
    if processor.decoder is None:
        parser.error(f"{args.model} has no language_model/ (uomni-build-lm --output_dir {args.model})")
    model = AuTTinyForCTC.from_pretrained(args.model).eval()
    defaults = processor.decoder.options
    values = [getattr(args, name) or [getattr(defaults, name)] for name in TUNABLE_OPTIONS]
    grid = [dict(zip(TUNABLE_OPTIONS, point)) for point in itertools.product(*values)]
    lm_sentences = set(normalized_sentences(args.lm_text_files, args.lm_metadata_files, args.lm_lexicon_size))

    runs = {"greedy": None}
    for options in grid:
        runs["LM " + " ".join(f"{LABELS[name]}={value}" for name, value in options.items())] = options
    wers = {name: [] for name in runs}  # per set
    scores = {name: {} for name in runs}  # per set: (wer, cer)
    print("| set | utterances | decoding | WER | CER | WER on text new to the LM | decoding RTF |\n|---|---|---|---|---|---|---|")
    for folder in args.data:
        audio, texts = audiofolder_split(folder, args.split, args.limit)
        refs = [normalize_transcript(text) for text in texts]
        logits = log_probs(model, processor, audio)
        seconds = sum(len(a) for a in audio) / 16000
        new = [i for i, ref in enumerate(refs) if ref not in lm_sentences]
        for name, options in runs.items():
            start = time.perf_counter()
            if options is None:
                hyps = [processor.decode(row, use_language_model=False).text for row in logits]
            else:
                hyps = [processor.decode(row, **options).text for row in logits]
            rtf = (time.perf_counter() - start) / seconds
            wer, cer = jiwer.wer(refs, hyps), jiwer.cer(refs, hyps)
            new_wer = jiwer.wer([refs[i] for i in new], [hyps[i] for i in new]) if new else float("nan")
            wers[name].append(wer)
            scores[name][Path(folder).name] = (wer, cer)
            print(f"| {Path(folder).name} {args.split} | {len(refs)} ({len(new)} new) | {name} | {100 * wer:.1f} % | "
                  f"{100 * cer:.1f} % | {100 * new_wer:.1f} % | {rtf:.4f} |", flush=True)
    if len(grid) > 1 or args.write_best:
        best = min((name for name in runs if name != "greedy"), key=lambda name: np.mean(wers[name]))
        print(f"\nbest on {args.split} (mean WER over the sets): {best}: {100 * np.mean(wers[best]):.2f} % "
              f"(greedy {100 * np.mean(wers['greedy']):.2f} %)")
        if args.write_best:
            processor.decoder.options = processor.decoder.options.replace(**runs[best])
            processor.decoder.save(Path(args.model) / LANGUAGE_MODEL_DIR)
            print(f"wrote {runs[best]} to {Path(args.model) / LANGUAGE_MODEL_DIR}")
    if args.metrics_json:
        chosen = min((name for name in runs if name != "greedy"), key=lambda name: np.mean(wers[name]))
        prefix = "eval" if args.split == "validation" else args.split
        metrics = {}
        for kind, name in (("", "greedy"), ("lm_", chosen)):
            for folder, (wer, cer) in scores[name].items():
                metrics.update({f"{prefix}_{folder}_{kind}wer": wer, f"{prefix}_{folder}_{kind}cer": cer})
        Path(args.metrics_json).write_text(json.dumps(metrics, indent=1, sort_keys=True) + "\n")
        print(f"wrote {args.metrics_json} ({chosen})")
    print(f"Command: {command_line()}")

if __name__ == "__main__":
    main()
