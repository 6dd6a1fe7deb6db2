"""Feature extraction speed: AuT-Tiny's log-mel extractor against Whisper's and Parakeet's, on one batch.

    .venv/bin/python benchmarks/bench_feature_extraction.py [--batch-size 16] [--seconds 10] [--repeats 7]

Every extractor gets the same batch (default 16 × 10 s of espeak-ng speech, or slices of `--audio FILE`) and returns
PyTorch tensors, or numpy for Whisper's numpy path. Whisper pads to 30 s by default; it is also timed with
`padding="longest"` (10 s in, 10 s of frames out), the like-for-like comparison. Whisper's numpy path is the one users
without torch get; with torch installed `__call__` always takes the torch path, so the numpy path is selected here by
pointing the instance's torch method at its numpy one. Ratios are taken within this run.
"""

import argparse
import statistics

import torch
from transformers import ParakeetFeatureExtractor, WhisperFeatureExtractor

from uomni_hf import AuTTinyFeatureExtractor

from _common import SAMPLING_RATE, add_timing_options, command_line, machine, median_seconds, speech


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each utterance")
    add_timing_options(parser, repeats=7, warmup=2)
    parser.add_argument("--audio", help="audio file to slice the batch from (default: espeak-ng speech)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    # Different content in every row: consecutive slices of one long recording.
    audio = speech(args.batch_size * args.seconds, args.audio)
    step = int(args.seconds * SAMPLING_RATE)
    batch = [audio[i * step : (i + 1) * step] for i in range(args.batch_size)]

    ours = AuTTinyFeatureExtractor()
    whisper = WhisperFeatureExtractor(feature_size=128)
    whisper_np = WhisperFeatureExtractor(feature_size=128)
    whisper_np._torch_extract_fbank_features = whisper_np._np_extract_fbank_features  # the no-torch path
    parakeet = ParakeetFeatureExtractor()
    common = {"sampling_rate": SAMPLING_RATE}
    longest = {"sampling_rate": SAMPLING_RATE, "padding": "longest"}
    extractors = {
        "AuT-Tiny (ours), torch": lambda: ours(batch, **common, return_tensors="pt"),
        "Whisper, numpy, padding=longest": lambda: whisper_np(batch, **longest, return_tensors="np"),
        "Whisper, numpy, default (pads to 30 s)": lambda: whisper_np(batch, **common, return_tensors="np"),
        "Whisper, torch, padding=longest": lambda: whisper(batch, **longest, return_tensors="pt", device="cpu"),
        "Whisper, torch, default (pads to 30 s)": lambda: whisper(batch, **common, return_tensors="pt", device="cpu"),
        "Parakeet (80 mels), torch": lambda: parakeet(batch, **common, return_tensors="pt"),
    }

    # Interleaved rounds: each round times every extractor once, so a slow spell of this shared machine hits all of
    # them alike; the targets are medians of per-round ratios.
    for fn in extractors.values():
        for _ in range(args.warmup):
            fn()
    shapes = {name: tuple(fn()["input_features"].shape) for name, fn in extractors.items()}
    samples = {name: [] for name in extractors}
    for _ in range(args.repeats):
        for name, fn in extractors.items():
            samples[name].append(median_seconds(fn, 1, 0))
    results = {name: (statistics.median(times), shapes[name]) for name, times in samples.items()}
    for name, (seconds, shape) in results.items():
        print(f"{name:42s} {seconds * 1000:9.1f} ms  {shape}", flush=True)

    def round_ratio(name: str) -> float:
        return statistics.median(t / o for t, o in zip(samples[name], samples["AuT-Tiny (ours), torch"]))

    total_audio = args.batch_size * args.seconds
    ours_time = results["AuT-Tiny (ours), torch"][0]
    print(f"\nBatch of {args.batch_size} × {args.seconds:g} s; median of {args.repeats} interleaved rounds after "
          f"{args.warmup} warm-up calls each; targets are medians of per-round ratios.\n")
    print("| extractor | output shape | ms per batch | audio s per s | ours is faster by |\n|---|---|---|---|---|")
    for name, (seconds, shape) in results.items():
        speed = total_audio / seconds
        print(f"| {name} | {shape} | {seconds * 1000:.1f} | {speed:.0f} | {seconds / ours_time:.2f}× |")
    ratio = round_ratio("Whisper, numpy, padding=longest")
    print(f"\nTarget: ours ≥ 3× faster than Whisper's numpy path (same 10 s): {ratio:.2f}× → "
          f"{'met' if ratio >= 3 else 'NOT met'}")
    ratio = round_ratio("Whisper, torch, padding=longest")
    print(f"Target: ours ≥ 1.5× faster than Whisper's torch path (same 10 s): {ratio:.2f}× → "
          f"{'met' if ratio >= 1.5 else 'NOT met'}")
    print(f"\nMachine: {machine(args.threads)}")
    print(f"Command: {command_line()}")


if __name__ == "__main__":
    main()
