"""Accuracy on long inputs: utterances alone vs joined into ~60 s files, unchunked and chunked, per attention window.

    .venv/bin/python benchmarks/eval_long_form.py --model checkpoints/aut-tiny-ctc-en \
        --data-dir SO762_SPLIT SYNTH_CORPUS --split validation --windows none,32,48,64,96

(SO762_SPLIT and SYNTH_CORPUS: the checkpoint's validation data, made as its model card says.)

A model trained on short utterances can lose accuracy on much longer inputs even with rotary positions (attention
spreads over more keys than it ever saw). For each `sliding_window` (output frames; `none` = full attention) and
each `audiofolder` split this prints WER/CER of the utterances one by one and, with the same utterances joined by
0.25 s of silence into files of at least `--join-seconds`, WER unchunked and through the pipeline's chunking
(`--chunk-length`/`--stride`). Choose the window on validation data, never on the test split you report.
"""

import argparse

import jiwer
import numpy as np
import torch
from transformers import pipeline

import uomni_hf  # noqa: F401  (registers AuT-Tiny with the Auto classes)
from uomni_hf.text_normalization import normalize_transcript

from _common import SAMPLING_RATE, audiofolder_split, command_line, machine


def join(audio: list[np.ndarray], texts: list[str], seconds: float) -> tuple[list[np.ndarray], list[str]]:
    """Consecutive utterances joined with 0.25 s pauses into files of at least `seconds` (a short remainder is dropped)."""
    pause = np.zeros(SAMPLING_RATE // 4, dtype=np.float32)
    files, references, pieces, words = [], [], [], []
    for clip, text in zip(audio, texts):
        pieces += [clip, pause]
        words.append(text)
        if sum(map(len, pieces)) >= seconds * SAMPLING_RATE:
            files.append(np.concatenate(pieces))
            references.append(" ".join(words))
            pieces, words = [], []
    return files, references


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="a trained AuT-Tiny CTC folder")
    parser.add_argument("--data-dir", nargs="+", required=True, help="audiofolder(s) with SPLIT/metadata.csv")
    parser.add_argument("--split", default="validation")
    parser.add_argument("--windows", default="none,32,48,64,96", help="attention windows; none = full attention")
    parser.add_argument("--join-seconds", type=float, default=60.0)
    parser.add_argument("--chunk-length", type=float, default=20.0)
    parser.add_argument("--stride", type=float, default=4.0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    sets = {}
    for folder in args.data_dir:
        audio, texts = audiofolder_split(folder, args.split)
        texts = [normalize_transcript(text) for text in texts]
        sets[folder] = (audio, texts, *join(audio, texts, args.join_seconds))

    print(f"| window | data | utterances | WER | CER | {args.join_seconds:g} s files | WER unchunked | "
          f"WER chunked {args.chunk_length:g} s / {args.stride:g} s |")
    print("|---|---|---|---|---|---|---|---|")
    for window in args.windows.split(","):
        sliding_window = None if window == "none" else int(window)
        asr = pipeline("automatic-speech-recognition", model=args.model,
                       model_kwargs={"sliding_window": sliding_window})
        normalize = asr.tokenizer.normalize
        for folder, (audio, texts, long_audio, long_texts) in sets.items():
            references = [normalize(text) for text in texts]
            hypotheses = [out["text"] for out in asr(audio, batch_size=16)]
            kept = [(r, h) for r, h in zip(references, hypotheses) if r]
            wer = jiwer.wer([r for r, _ in kept], [h for _, h in kept])
            cer = jiwer.cer([r for r, _ in kept], [h for _, h in kept])
            long_references = [normalize(text) for text in long_texts]
            unchunked = [asr(a)["text"] for a in long_audio]
            chunked = [asr(a, chunk_length_s=args.chunk_length, stride_length_s=args.stride)["text"] for a in long_audio]
            print(f"| {window} | {folder} | {len(kept)} | {100 * wer:.1f} % | {100 * cer:.1f} % | {len(long_audio)} | "
                  f"{100 * jiwer.wer(long_references, unchunked):.1f} % | "
                  f"{100 * jiwer.wer(long_references, chunked):.1f} % |", flush=True)
    print(f"\nMachine: {machine(args.threads)}\nCommand: {command_line()}")


if __name__ == "__main__":
    main()
