"""Helpers shared by the benchmark scripts, kept in one place so that every script measures and reports alike.

Each script runs as `python benchmarks/bench_x.py`, which puts benchmarks/ first on `sys.path`, so
`from _common import ...` works without making benchmarks/ a package. Heavy or optional imports (torchcodec, the
espeak-ng corpus, the model classes) stay inside the functions that need them: importing this module costs no more
than the torch and transformers every script loads anyway.
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


SAMPLING_RATE = 16000
# Input speech for the speed benchmarks: short read-style sentences, spoken by espeak-ng and repeated to length.
SENTENCES = (
    "the old farmer carried a heavy basket of apples to the market",
    "anna and peter visited the museum in london last summer",
    "please bring the blue umbrella because it may rain this afternoon",
    "the children counted thirty seven stars before they fell asleep",
    "a quiet stranger repaired the broken clock in the station",
    "we always check the engine carefully before a long journey",
)


def add_timing_options(parser: argparse.ArgumentParser, repeats: int, warmup: int) -> None:
    """`--repeats` and `--warmup` (defaults per script) and `--threads` (2 in every script, so that numbers from
    different scripts compare), the options every timing in these scripts is run with."""
    parser.add_argument("--repeats", type=int, default=repeats)
    parser.add_argument("--warmup", type=int, default=warmup)
    parser.add_argument("--threads", type=int, default=2)


def machine(threads: int) -> str:
    """CPU model, cores, threads and library versions: printed under every table, since timings mean little without."""
    with open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), platform.processor())
    return (f"{cpu}, {os.cpu_count()} cores, {threads} threads; torch {torch.__version__}, "
            f"transformers {transformers.__version__}, Python {platform.python_version()}")


def command_line() -> str:
    """The exact command line that produced the output, printed so that a result can be reproduced."""
    return shlex.join([os.path.relpath(sys.executable), *sys.argv])


def load_audio(path) -> np.ndarray:
    """A file decoded to 16 kHz mono float32 with torchcodec (FFmpeg), the decoder `datasets` uses."""
    from torchcodec.decoders import AudioDecoder

    return AudioDecoder(str(path), sample_rate=SAMPLING_RATE).get_all_samples().data.mean(0).numpy()


def audiofolder_rows(folder: str, split: str = "test", limit: int | None = None) -> list[dict]:
    """The rows of an `audiofolder` split's `metadata.csv` (file_name, text and whatever columns it has)."""
    import csv
    from pathlib import Path

    with open(Path(folder) / split / "metadata.csv", newline="") as f:
        return list(csv.DictReader(f))[:limit]


def audiofolder_split(folder: str, split: str = "test", limit: int | None = None) -> tuple[list[np.ndarray], list[str]]:
    """Decoded audio and raw transcripts of an `audiofolder` split (`SPLIT/metadata.csv` with file_name,text)."""
    from pathlib import Path

    rows = audiofolder_rows(folder, split, limit)
    return [load_audio(Path(folder) / split / row["file_name"]) for row in rows], [row["text"] for row in rows]


def base_speech(audio_file: str | None = None) -> np.ndarray:
    """The speech that inputs are cut from: `audio_file`, or else `SENTENCES` spoken by espeak-ng with 0.25 s pauses
    (same voice every run, so every run times the same signal)."""
    if audio_file:
        return load_audio(audio_file)
    from uomni_hf.corpus import SpeakerConfig, synthesize

    pause = np.zeros(SAMPLING_RATE // 4, dtype=np.float32)
    speaker = SpeakerConfig(accent="en-us", variant="m1", rate=170, pitch=50)
    return np.concatenate([np.concatenate([synthesize(s, speaker), pause]) for s in SENTENCES])


def repeat_to(base: np.ndarray, seconds: float) -> np.ndarray:
    """`base` tiled and cut to exactly `seconds` at 16 kHz (no dtype conversion, so no extra copy)."""
    samples = int(seconds * SAMPLING_RATE)
    return np.tile(base, -(-samples // len(base)))[:samples]


def speech(seconds: float, audio_file: str | None = None) -> np.ndarray:
    """`seconds` of 16 kHz speech: espeak-ng sentences (or `audio_file`) repeated to length."""
    return repeat_to(base_speech(audio_file), seconds).astype(np.float32)


def save_random_model(folder: str, vocab_size: int = 256, seed: int | None = None) -> None:
    """A random-weight AuT-Tiny (default config) with a BPE tokenizer trained on `SENTENCES`, saved to `folder`.

    Speed does not depend on the weights, so the benchmarks run without a trained model; `seed` (torch's, set just
    before the weights are drawn) makes the weights the same on every run.
    """
    from uomni_hf import AuTTinyConfig, AuTTinyFeatureExtractor, AuTTinyForCTC, AuTTinyProcessor, AuTTinyTokenizer

    tokenizer = AuTTinyTokenizer.from_transcripts(list(SENTENCES) * 20, vocab_size=vocab_size)
    if seed is not None:
        torch.manual_seed(seed)
    AuTTinyForCTC(AuTTinyConfig(vocab_size=len(tokenizer))).save_pretrained(folder)
    AuTTinyProcessor(AuTTinyFeatureExtractor(), tokenizer).save_pretrained(folder)


def median_seconds(fn, repeats: int, warmup: int, min_seconds: float | None = None) -> float:
    """Median wall seconds per call of `fn()` over `repeats` timed samples, after `warmup` untimed calls.

    The median, not the mean, so that a sample slowed by other load on the machine does not move the result. By
    default each sample is one call. With `min_seconds`, one untimed calibration pass first counts how many calls
    last at least that long, and each sample loops that many calls and reports the time per call: calls of a few
    microseconds are otherwise lost in the timer's resolution and overhead.
    """
    for _ in range(warmup):
        fn()
    calls = 1
    if min_seconds is not None:
        start, calls = time.perf_counter(), 0
        while calls == 0 or time.perf_counter() - start < min_seconds:
            fn()
            calls += 1
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)
