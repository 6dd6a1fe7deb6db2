"""How close AuT-Tiny's forward pass gets to this machine's compute floor.

    .venv/bin/python benchmarks/bench_floor.py [--lengths 10,60,600] [--repeats 7] [--threads 2]

1. FLOPs, analytically from the config (a multiply-add = 2 FLOPs; biases, norms, activations, softmax and rotary
   embeddings are left out as they are memory-bound and small): the three convolutions at 50 / 25 / 12.5 Hz, the
   attention projections and FFN at 12.5 Hz (linear in length), attention scores and values (quadratic in length:
   per second of audio they grow with the length) and the CTC head. Cross-checked with
   `torch.utils.flop_counter.FlopCounterMode` on a 10 s input with eager attention (the counter does not see the CPU
   SDPA kernel, so an SDPA count misses the attention matmuls).
2. This machine's float32 matmul rate: the model's linear shapes at 12.5 Hz for 10 s (125 rows; × 16 for a batch
   of 16) and a large square matmul (peak).
3. The measured model forward (inference mode, eval, SDPA, features precomputed) against two floors: all FLOPs at
   the peak rate, and the linear layers at their own shapes' measured rates (the rest at peak).
"""

import argparse
import math

import torch
from torch.utils.flop_counter import FlopCounterMode

from uomni_hf import AuTTinyConfig, AuTTinyForCTC

from _common import add_timing_options, command_line, machine, median_seconds


FRAMES_PER_SECOND = 100  # mel frames: 1 + samples // 160


def flops(config: AuTTinyConfig, mel_frames: int) -> dict[str, float]:
    """FLOPs of one forward pass of AuTTinyForCTC over `mel_frames` frames, by part."""
    parts, frames = {}, mel_frames
    channels = (config.num_mel_bins, *config.conv_channels)
    for i in range(len(config.conv_channels)):
        frames = math.ceil(frames / config.conv_stride)
        parts[f"conv{i + 1}"] = 2 * frames * channels[i + 1] * channels[i] * config.conv_kernel_size
    d, layers = config.hidden_size, config.num_hidden_layers
    parts["attention projections (qkv, out)"] = layers * 2 * frames * (d * 3 * d + d * d)
    parts["attention scores + values"] = layers * 2 * 2 * frames * frames * d
    parts["FFN"] = layers * 2 * 2 * frames * d * config.intermediate_size
    parts["CTC head"] = 2 * frames * d * config.vocab_size
    return parts


def linear_shapes(config: AuTTinyConfig, rows: int) -> dict[str, tuple[int, int, int]]:
    d = config.hidden_size
    return {"qkv": (rows, d, 3 * d), "out": (rows, d, d), "fc1": (rows, d, config.intermediate_size),
            "fc2": (rows, config.intermediate_size, d), "head": (rows, d, config.vocab_size)}


def matmul_rate(m: int, k: int, n: int, args) -> float:
    """GFLOP/s of a float32 (m, k) @ (k, n) matmul."""
    a, b = torch.randn(m, k), torch.randn(k, n)
    seconds = median_seconds(lambda: torch.matmul(a, b), args.repeats, args.warmup, min_seconds=0.05)
    return 2 * m * k * n / seconds / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", default="10,60,600", help="audio lengths in seconds for the forward timings")
    parser.add_argument("--batch-size", type=int, default=16, help="batch for the extra 10 s batched row")
    parser.add_argument("--peak-size", type=int, default=2048, help="side of the square matmul for the peak rate")
    add_timing_options(parser, repeats=7, warmup=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = AuTTinyConfig()

    # 1. FLOPs per second of audio, by part.
    lengths = [float(s) for s in args.lengths.split(",")]
    per_length = {s: flops(config, int(s * FRAMES_PER_SECOND) + 1) for s in lengths}
    print("FLOPs per second of audio (MFLOP/s), batch 1:\n")
    print("| part | " + " | ".join(f"{s:g} s input" for s in lengths) + " |\n|---|" + "---|" * len(lengths))
    for part in per_length[lengths[0]]:
        print(f"| {part} | " + " | ".join(f"{per_length[s][part] / s / 1e6:.1f}" for s in lengths) + " |")
    print("| **total** | " + " | ".join(f"**{sum(per_length[s].values()) / s / 1e6:.1f}**" for s in lengths) + " |")

    model = AuTTinyForCTC(AuTTinyConfig(attn_implementation="eager")).eval()
    features = torch.randn(1, 10 * FRAMES_PER_SECOND + 1, config.num_mel_bins)
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model(features)
    analytic = sum(flops(config, features.shape[1]).values())
    print(f"\nCross-check, 10 s: FlopCounterMode (eager attention) {counter.get_total_flops() / 1e6:.1f} MFLOP, "
          f"analytic {analytic / 1e6:.1f} MFLOP ({counter.get_total_flops() / analytic:.3f}×).")

    # 2. Matmul rates: peak, and the linear layers' shapes for every input measured below.
    cases = [(s, 1) for s in lengths] + [(10.0, args.batch_size)]
    rows_of = {case: math.ceil((int(case[0] * FRAMES_PER_SECOND) + 1) / 8) * case[1] for case in cases}
    peak = matmul_rate(args.peak_size, args.peak_size, args.peak_size, args)
    rates = {}
    print(f"\nfloat32 matmul rates ({args.threads} threads):\n")
    print("| shape (m × k @ k × n) | GFLOP/s | % of peak |\n|---|---|---|")
    print(f"| peak: {args.peak_size}³ | {peak:.1f} | 100 |")
    for rows in sorted(set(rows_of.values())):
        for name, (m, k, n) in linear_shapes(config, rows).items():
            rates[name, rows] = matmul_rate(m, k, n, args)
            rate = rates[name, rows]
            print(f"| {name}: {m} × {k} @ {k} × {n} | {rate:.1f} | {100 * rate / peak:.0f} |")
    peak = max(peak, *rates.values())  # the floor uses the best rate seen (normally the square matmul's)

    # 3. Measured forward vs the floors.
    model = AuTTinyForCTC(config).eval()  # SDPA, as users run it
    print("\nModel forward (features precomputed) against the floor:\n")
    print("| input | GFLOP | measured ms | achieved GFLOP/s | floor at peak ms | floor at linear-shape rates ms | "
          "measured / shape floor |\n|---|---|---|---|---|---|---|")
    for seconds, batch in cases:
        frames = int(seconds * FRAMES_PER_SECOND) + 1
        total = sum(flops(config, frames).values()) * batch
        x = torch.randn(batch, frames, config.num_mel_bins)
        with torch.inference_mode():
            measured = median_seconds(lambda: model(x).logits.argmax(-1), args.repeats, args.warmup, min_seconds=0)
        rows = rows_of[seconds, batch]
        linear = {name: 2 * m * k * n * (1 if name == "head" else config.num_hidden_layers)
                  for name, (m, k, n) in linear_shapes(config, rows).items()}
        shape_floor = (sum(linear[name] / (rates[name, rows] * 1e9) for name in linear)
                       + (total - sum(linear.values())) / (peak * 1e9))
        print(f"| {batch} × {seconds:g} s | {total / 1e9:.2f} | {measured * 1e3:.1f} | {total / measured / 1e9:.1f} | "
              f"{total / (peak * 1e9) * 1e3:.1f} | {shape_floor * 1e3:.1f} | {measured / shape_floor:.1f}× |")
    print("\nFloor at linear-shape rates: each linear layer at the rate measured above for its exact shape; "
          "convolutions and attention scores/values at peak. Both floors ignore memory-bound elementwise work.")
    print(f"\nMachine: {machine(args.threads)}")
    print(f"Command: {command_line()}")


if __name__ == "__main__":
    main()
