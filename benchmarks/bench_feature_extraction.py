"""Feature extraction speed: AuT-Tiny's log-mel extractor against Whisper's and Parakeet's, on one batch.

    .venv/bin/python benchmarks/bench_feature_extraction.py [--batch-size 16] [--seconds 10] [--repeats 7]

Every extractor gets the same batch (default 16 × 10 s of espeak-ng speech, or slices of `--audio FILE`) and returns
PyTorch tensors, or numpy for Whisper's numpy path. Whisper pads to 30 s by default; it is also timed with
`padding="longest"` (10 s in, 10 s of frames out), the like-for-like comparison. Whisper's numpy path is the one users
without torch get; with torch installed `__call__` always takes the torch path, so the numpy path is selected here by
pointing the instance's torch method at its numpy one. Ratios are taken within this run.
"""

import argparse
import os
import platform
import shlex
import statistics
import sys
import time

import numpy as np
import torch
import transformers
from transformers import ParakeetFeatureExtractor, WhisperFeatureExtractor

from uomni_hf import AuTTinyFeatureExtractor


SAMPLING_RATE = 16000
SENTENCES = (
    "the old farmer carried a heavy basket of apples to the market",
    "anna and peter visited the museum in london last summer",
    "please bring the blue umbrella because it may rain this afternoon",
    "the children counted thirty seven stars before they fell asleep",
    "a quiet stranger repaired the broken clock in the station",
    "we always check the engine carefully before a long journey",
)


def machine(threads: int) -> str:
    with open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), platform.processor())
    return (f"{cpu}, {os.cpu_count()} cores, {threads} threads; torch {torch.__version__}, "
            f"transformers {transformers.__version__}, Python {platform.python_version()}")


def speech(seconds: float, audio_file: str | None = None) -> np.ndarray:
    """`seconds` of 16 kHz speech: espeak-ng sentences (or `audio_file`) repeated to length."""
    if audio_file:
        from torchcodec.decoders import AudioDecoder

        base = AudioDecoder(audio_file, sample_rate=SAMPLING_RATE).get_all_samples().data.mean(0).numpy()
    else:
        from uomni_hf.synthetic_corpus import SpeakerConfig, synthesize

        pause = np.zeros(SAMPLING_RATE // 4, dtype=np.float32)
        speaker = SpeakerConfig(accent="en-us", variant="m1", rate=170, pitch=50)
        base = np.concatenate([np.concatenate([synthesize(s, speaker), pause]) for s in SENTENCES])
    samples = int(seconds * SAMPLING_RATE)
    return np.tile(base, -(-samples // len(base)))[:samples].astype(np.float32)


def median_seconds(fn, repeats: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each utterance")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
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

    results = {}
    for name, fn in extractors.items():
        shape = tuple(fn()["input_features"].shape)
        results[name] = (median_seconds(fn, args.repeats, args.warmup), shape)
        print(f"{name:42s} {results[name][0] * 1000:9.1f} ms  {shape}", flush=True)

    total_audio = args.batch_size * args.seconds
    ours_time = results["AuT-Tiny (ours), torch"][0]
    print(f"\nBatch of {args.batch_size} × {args.seconds:g} s; median of {args.repeats} runs after {args.warmup} "
          "warm-up.\n")
    print("| extractor | output shape | ms per batch | audio s per s | ours is faster by |\n|---|---|---|---|---|")
    for name, (seconds, shape) in results.items():
        speed = total_audio / seconds
        print(f"| {name} | {shape} | {seconds * 1000:.1f} | {speed:.0f} | {seconds / ours_time:.2f}× |")
    ratio = results["Whisper, numpy, padding=longest"][0] / ours_time
    print(f"\nTarget: ours ≥ 3× faster than Whisper's numpy path (same 10 s): {ratio:.2f}× → "
          f"{'met' if ratio >= 3 else 'NOT met'}")
    print(f"\nMachine: {machine(args.threads)}")
    print(f"Command: {shlex.join([os.path.relpath(sys.executable), *sys.argv])}")


if __name__ == "__main__":
    main()
