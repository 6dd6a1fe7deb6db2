"""How AuT-Tiny's time and peak memory grow with audio length, unchunked against the chunked pipeline.

    .venv/bin/python benchmarks/bench_scaling.py [--model DIR] [--lengths 10,30,60,120,300,600] [--repeats 5]

Attention runs at 12.5 Hz over the whole input, so its cost grows with the square of the length; the pipeline's
`chunk_length_s` / `stride_length_s` keep it linear at the price of recomputing the overlaps. Three modes:

- forward: features computed beforehand; model forward + argmax only, unchunked (where the quadratic term lives);
- pipeline: `pipeline("automatic-speech-recognition")` on the whole array, unchunked (end to end);
- chunked: the same pipeline with `chunk_length_s=20, stride_length_s=4` (end to end).

Every (mode, length) runs in a fresh Python process, so its peak resident memory (VmHWM from /proc/self/status,
which includes torch and the model: about the "after load" column) is its own. Time is the median of `--repeats`
runs after `--warmup`. Writes a plot (`--plot`, default benchmarks/scaling.png) and states the length from which
chunking is faster. Without `--model`, a random-weight model (speed does not depend on the weights).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

from _common import (SAMPLING_RATE, add_timing_options, base_speech, command_line, machine, median_seconds, repeat_to,
                     save_random_model)


MODES = ("forward", "pipeline", "chunked")


def memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MB."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024


def child(args) -> None:
    """One (mode, length) measurement; prints one JSON line."""
    import uomni_hf  # noqa: F401  (registers AuT-Tiny with the Auto classes)
    from transformers import AutoModelForCTC, AutoProcessor, pipeline

    torch.set_num_threads(args.threads)
    audio = repeat_to(np.load(args.base_audio), args.length)
    if args.mode == "forward":
        processor = AutoProcessor.from_pretrained(args.model)
        model = AutoModelForCTC.from_pretrained(args.model).eval()
        inputs = processor(audio=audio, sampling_rate=SAMPLING_RATE, return_tensors="pt")

        def run():
            with torch.inference_mode():
                model(**inputs).logits.argmax(-1)
    else:
        asr = pipeline("automatic-speech-recognition", model=args.model)
        chunking = {"chunk_length_s": args.chunk_length_s, "stride_length_s": args.stride_length_s,
                    "batch_size": args.chunk_batch_size} if args.mode == "chunked" else {}

        def run():
            asr(audio.copy(), **chunking)

    loaded = memory_mb("VmRSS")
    seconds = median_seconds(run, args.repeats, args.warmup)
    print(json.dumps({"seconds": seconds, "loaded_mb": loaded, "peak_mb": memory_mb("VmHWM")}))


def prepare(args, folder: str) -> None:
    """The base audio (saved as .npy) and, without --model, a random-weight model folder."""
    args.base_audio = os.path.join(folder, "base.npy")
    np.save(args.base_audio, base_speech(args.audio).astype(np.float32))
    if args.model is None:
        args.model = os.path.join(folder, "model")
        save_random_model(args.model)


def plot(results: dict, lengths: list[float], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for mode in MODES:
        ok = [s for s in lengths if (mode, s) in results]
        left.plot(ok, [results[mode, s]["seconds"] for s in ok], "o-", label=mode)
        right.plot(ok, [results[mode, s]["peak_mb"] for s in ok], "o-", label=mode)
    left.set(xscale="log", yscale="log", xlabel="audio length (s)", ylabel="wall time (s)", title="time")
    right.set(xscale="log", xlabel="audio length (s)", ylabel="peak RSS (MB)", title="peak memory (whole process)")
    for axis in (left, right):
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.suptitle("AuT-Tiny: unchunked vs chunked pipeline (chunk 20 s, stride 4 s)")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a trained AuT-Tiny folder (default: random weights)")
    parser.add_argument("--lengths", default="10,30,60,120,300,600", help="audio lengths in seconds")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--chunk-length-s", type=float, default=20.0)
    parser.add_argument("--stride-length-s", type=float, default=4.0)
    parser.add_argument("--chunk-batch-size", type=int, default=1, help="pipeline batch_size for the chunks")
    add_timing_options(parser, repeats=5, warmup=1)
    parser.add_argument("--audio", help="audio file to repeat to each length (default: espeak-ng speech)")
    parser.add_argument("--plot", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "scaling.png"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--length", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--base-audio", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    lengths = [float(s) for s in args.lengths.split(",")]
    modes = args.modes.split(",")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        prepare(args, folder)
        for length in lengths:
            for mode in modes:
                command = [sys.executable, os.path.abspath(__file__), "--child", "--mode", mode,
                           "--length", str(length), "--model", args.model, "--base-audio", args.base_audio,
                           "--repeats", str(args.repeats), "--warmup", str(args.warmup), "--threads", str(args.threads),
                           "--chunk-length-s", str(args.chunk_length_s), "--stride-length-s", str(args.stride_length_s),
                           "--chunk-batch-size", str(args.chunk_batch_size)]
                done = subprocess.run(command, capture_output=True, text=True)
                if done.returncode != 0:
                    print(f"{mode} {length:g} s failed:\n{done.stderr[-2000:]}", flush=True)
                    continue
                results[mode, length] = json.loads(done.stdout.strip().splitlines()[-1])
                r = results[mode, length]
                print(f"{mode:9s} {length:6g} s: {r['seconds']:8.3f} s, peak {r['peak_mb']:6.0f} MB", flush=True)

    print(f"\nMedian of {args.repeats} runs after {args.warmup} warm-up, batch 1; peak = the whole process's peak RSS "
          f"(torch + model + work; 'after load' is the same process before the first run). Chunked = chunk "
          f"{args.chunk_length_s:g} s, stride {args.stride_length_s:g} s, batch_size {args.chunk_batch_size}.\n")
    print("| length s | " + " | ".join(f"{m} s | {m} RTF | {m} peak MB" for m in modes) + " | after load MB |")
    print("|---|" + "---|---|---|" * len(modes) + "---|")
    for length in lengths:
        cells = []
        for mode in modes:
            r = results.get((mode, length))
            if r is None:
                cells.append("failed | |")
            else:
                cells.append(f"{r['seconds']:.3f} | {r['seconds'] / length:.4f} | {r['peak_mb']:.0f}")
        loaded = min((results[m, length]["loaded_mb"] for m in modes if (m, length) in results), default=float("nan"))
        print(f"| {length:g} | " + " | ".join(cells) + f" | {loaded:.0f} |")

    if "pipeline" in modes and "chunked" in modes:
        # Audio no longer than one chunk is not cut at all: only longer inputs can tell the two apart.
        longer = [s for s in lengths
                  if s > args.chunk_length_s and ("chunked", s) in results and ("pipeline", s) in results]
        for what, key in (("time", "seconds"), ("peak memory", "peak_mb")):
            wins = [s for s in longer if results["chunked", s][key] < results["pipeline", s][key]]
            first = next((s for s in longer if all(t in wins for t in longer if t >= s)), None)
            verdict = f"from {first:g} s on" if first is not None else "at no tested length"
            print(f"Chunking beats the unchunked pipeline in {what} (lengths over one chunk): {verdict}")
    if results:
        plot(results, lengths, args.plot)
        print(f"Plot: {os.path.relpath(args.plot)}")
    print(f"\nMachine: {machine(args.threads)}")
    print(f"Command: {command_line()}")


if __name__ == "__main__":
    main()
