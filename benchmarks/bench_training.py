"""Training throughput on this machine: eager vs torch.compile; dynamic (longest-in-batch), static (every batch
padded to --max-frames) and bucketed padding (the shortest of a few static lengths that fits, as `uomni-train` pads
with static padding: `--num_mel_length_buckets`).

    python benchmarks/bench_training.py [--batch-size 16] [--dropout 0.1] [--modes eager-dynamic,...] [--threads 2]
    python benchmarks/bench_training.py --modes eager-dynamic,eager-dynamic+bf16,compiled-bucketed+bf16

A `+bf16` mode runs forward and loss under CPU bf16 autocast, as `uomni-train --bf16` does (fp32 weights and optimizer).

Each mode trains the standard AuT-Tiny CTC model (AdamW, as Trainer does) on the same stream of batches whose
utterance lengths follow a read-speech-like spread (1-10 s). Every mode is compiled and warmed up first (a compiled
bucketed run steps once through every bucket); then interleaved rounds time one window of every mode each, so a slow
spell of the machine hits all modes of a round alike. Reported: samples/s over all rounds, the speed-up against
eager-dynamic (and its median over rounds, to show how steady it is); compiled modes report how many graphs dynamo
compiled.
"""

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from uomni_hf import AuTTinyConfig, AuTTinyForCTC
from uomni_hf.training.collator import mel_length_buckets, padded_mel_length
from uomni_hf.training.run import compile_one_graph_per_shape


def make_batches(num: int, batch_size: int, max_frames: int, seed: int = 0) -> list[tuple[list[int], list[int]]]:
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(num):
        # Sorted lengths within a batch, as `train_sampling_strategy=group_by_length` gives.
        center = rng.integers(100, max_frames - 100)
        frames = np.clip(rng.normal(center, 40, batch_size).astype(int), 100, max_frames)
        labels = [max(1, f // 30) for f in frames]  # ~3.3 subword labels per second
        batches.append((frames.tolist(), labels))
    return batches


def to_tensors(frames: list[int], labels: list[int], pad_frames: int | None, pad_labels: int | None, vocab: int):
    width = pad_frames or max(frames)
    features = torch.zeros(len(frames), width, 128)
    mask = torch.zeros(len(frames), width, dtype=torch.long)
    for i, n in enumerate(frames):
        features[i, :n] = torch.randn(n, 128)
        mask[i, :n] = 1
    label_width = pad_labels or max(labels)
    label_ids = torch.full((len(labels), label_width), -100)
    for i, n in enumerate(labels):
        label_ids[i, :n] = torch.randint(1, vocab, (n,))
    return features, mask, label_ids


def padded_length(frames: list[int], padding: str, args) -> int | None:
    """Frames a batch is padded to: None (its longest) for dynamic, the shortest bucket that fits for bucketed."""
    if padding == "dynamic":
        return None
    buckets = mel_length_buckets(args.max_frames, args.buckets if padding == "bucketed" else 1)
    return padded_mel_length(max(frames), buckets)


@dataclass
class Runner:
    """One mode, compiled and warmed up: `step` trains on one batch; `timed` are the batches its windows take."""

    step: Callable[..., None]
    timed: list
    graphs: int | None


def parse_mode(mode: str) -> tuple[str, str, str]:
    shape_mode, _, precision = mode.partition("+")
    execution, _, padding = shape_mode.partition("-")
    known = execution in ("eager", "compiled") and padding in ("dynamic", "static", "bucketed") and precision in ("", "bf16")
    if not known:
        raise ValueError(f"unknown mode {mode!r}: (eager|compiled)-(dynamic|static|bucketed)[+bf16]")
    return execution, padding, precision


def prepare(mode: str, batches, args, compiled_shapes: int) -> Runner:
    execution, padding, precision = parse_mode(mode)
    compiled = execution == "compiled"
    torch.manual_seed(0)
    dropout = {name: args.dropout for name in ("hidden_dropout", "attention_dropout", "activation_dropout", "final_dropout")}
    model = AuTTinyForCTC(AuTTinyConfig(vocab_size=args.vocab_size, **dropout)).train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    torch._dynamo.config.automatic_dynamic_shapes = True  # dynamo's default, which the dynamic mode measures
    if compiled and padding != "dynamic":
        compile_one_graph_per_shape(compiled_shapes)  # as uomni-train does, with room for every compiled mode
    step_fn = torch.compile(model, mode=args.compile_mode) if compiled else model
    prepared = []
    for frames, labels in batches:
        pad_frames = padded_length(frames, padding, args)
        pad_labels = model.config.num_output_frames(pad_frames) if pad_frames else None
        prepared.append(to_tensors(frames, labels, pad_frames, pad_labels, args.vocab_size))
    if padding == "bucketed":  # warm up: one step in every bucket the timed batches use, then the usual warm-up
        first_of_each = {}
        for batch in prepared:
            first_of_each.setdefault(batch[0].shape[1], batch)
        warmup = list(first_of_each.values()) + prepared[: args.warmup]
    else:
        warmup = prepared[: args.warmup]

    def step(features, mask, labels):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = step_fn(input_features=features, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    graphs_before = torch._dynamo.utils.counters["stats"]["unique_graphs"]
    for batch in warmup:
        step(*batch)
    graphs = torch._dynamo.utils.counters["stats"]["unique_graphs"] - graphs_before
    return Runner(step, prepared[args.warmup :], graphs if compiled else None)


def time_window(runner: Runner, window: int, size: int) -> float:
    """Seconds to train on the window's batches."""
    start = time.perf_counter()
    for batch in runner.timed[window * size : (window + 1) * size]:
        runner.step(*batch)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-frames", type=int, default=1024, help="static shape (mel frames)")
    parser.add_argument("--buckets", type=int, default=10, help="static lengths of the bucketed modes (at most)")
    parser.add_argument("--warmup", type=int, default=8, help="untimed steps (compilation, recompilation)")
    parser.add_argument("--windows", type=int, default=5, help="interleaved rounds: each times every mode once")
    parser.add_argument("--window", type=int, default=4, help="steps per timed window")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--compile-mode", default=None, help="torch.compile mode (Trainer's --torch_compile_mode)")
    parser.add_argument("--vocab-size", type=int, default=256)
    parser.add_argument("--dropout", type=float, default=0.1, help="all four dropout rates (0.1 is the default config)")
    parser.add_argument(
        "--modes", default="eager-dynamic,eager-static,eager-bucketed,compiled-static,compiled-bucketed,compiled-dynamic"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    modes = args.modes.split(",")
    for mode in modes:
        parse_mode(mode)
    batches = make_batches(args.warmup + args.windows * args.window, args.batch_size, args.max_frames)
    mean_seconds = np.mean([f for frames, _ in batches for f in frames]) / 100
    buckets = mel_length_buckets(args.max_frames, args.buckets)
    print(
        f"torch {torch.__version__}, {args.threads} threads, batch {args.batch_size}, mean utterance "
        f"{mean_seconds:.1f} s, dropout {args.dropout}"
    )
    print(f"buckets: {buckets}")
    compiled_shapes = len(buckets) * sum(mode.startswith("compiled") for mode in modes)
    runners, failures = {}, {}
    for mode in modes:  # compile and warm up every mode first; the timed rounds then compile nothing
        try:
            runners[mode] = prepare(mode, batches, args, compiled_shapes)
        except Exception as error:  # a compiler failure is a result too: report it, measure the other modes
            failures[mode] = f"fails: {type(error).__name__}: {str(error).splitlines()[0][:120]}"
            print(f"{mode:18s} {failures[mode]}", flush=True)
    graphs_before = torch._dynamo.utils.counters["stats"]["unique_graphs"]
    # Interleaved rounds: a slow spell of this shared machine hits every mode of a round alike. Every mode trains on
    # the same windows, so throughput is samples over the summed seconds, and the median of per-round time ratios
    # shows how steady a ratio is.
    seconds = {mode: [] for mode in runners}
    for window in range(args.windows):
        for mode, runner in runners.items():
            seconds[mode].append(time_window(runner, window, args.window))
    if torch._dynamo.utils.counters["stats"]["unique_graphs"] != graphs_before:
        print("graphs were compiled during the timed rounds: the numbers include compilation", flush=True)
    timed_frames = [f for frames, _ in batches[args.warmup :] for f in frames]
    samples, audio_seconds = len(timed_frames), sum(timed_frames) / 100

    def speedup(mode: str, against: str) -> str:
        total = sum(seconds[against]) / sum(seconds[mode])
        per_round = statistics.median(base / own for own, base in zip(seconds[mode], seconds[against]))
        return f"{total:.2f}x (rounds {per_round:.2f}x)"

    baseline = "eager-dynamic" if "eager-dynamic" in runners else None
    print("\n| mode | samples/s | audio s/s | vs eager-dynamic (median round) | graphs compiled |\n|---|---|---|---|---|")
    for mode, runner in runners.items():
        total = sum(seconds[mode])
        versus = speedup(mode, baseline) if baseline else "-"
        compiled = "-" if runner.graphs is None else str(runner.graphs)
        print(f"| {mode} | {samples / total:.1f} | {audio_seconds / total:.0f} | {versus} | {compiled} |")
    for mode, failure in failures.items():
        print(f"| {mode} | {failure} | - | - | - |")
    for precision in ("", "+bf16"):
        bucketed, static, dynamic = (f"compiled-bucketed{precision}", f"eager-static{precision}", f"eager-dynamic{precision}")
        if all(mode in runners for mode in (bucketed, static, dynamic)):
            print(f"\n{bucketed} vs {static}: {speedup(bucketed, static)}, target 1.3x; "
                  f"vs {dynamic}: {speedup(bucketed, dynamic)}, target 1.0x")


if __name__ == "__main__":
    main()
