"""What acoustic augmentation costs per audio second on this machine, beside what the trainer consumes.

    python benchmarks/bench_augmentation.py [--seconds 5] [--repeats 7] [--batch-size 32] [--threads 2]

Part 1 times each effect of `uomni_hf.training.augmentation` on 5 s of espeak-ng speech, next to the closest
equivalent in audiomentations (the library considered and not chosen; measured only if it is installed), as
milliseconds of one CPU core per second of audio. Part 2 times the training chain as `uomni-train` runs it (the
probabilities of `scripts/train_aut_tiny_en.sh`) and eager AuT-Tiny CTC training steps on batches of the same
audio, and prints how many audio seconds each handles per second: whichever is lower limits training.
"""

import argparse
import sys

import numpy as np
import torch
from _common import SAMPLING_RATE, add_timing_options, command_line, machine, median_seconds, speech

from uomni_hf.training import augmentation as aug


def per_audio_second(fn, audio: np.ndarray, args) -> float:
    """Median milliseconds per audio second of `fn(audio)`."""
    return 1000 * median_seconds(lambda: fn(audio), args.repeats, args.warmup) / (len(audio) / SAMPLING_RATE)


def effects(audio: np.ndarray, args) -> None:
    rng = np.random.default_rng(0)
    rooms = aug.simulate_room_impulse_responses(8, seed=0)
    ours = {
        "speed 1.1 (np.interp)": lambda a: aug.change_speed(a, 1.1),
        "room reverberation (pyroomacoustics RIR bank + FFT convolution)": lambda a: aug.reverberate(a, rooms[3]),
        "coloured noise (numpy)": lambda a: aug.add_noise(a, aug.coloured_noise(len(a), 1.0, rng), 10.0),
        "microphone EQ (pedalboard)": lambda a: aug.microphone_colouring(a, rng),
        **{f"telephone: {c} (pedalboard)": (lambda a, c=c: aug.telephone_channel(a, rng, c))
           for c in aug.TELEPHONE_CHANNELS},
        "clipping (numpy)": lambda a: aug.clip(a, 6.0),
    }  # fmt: skip
    print("| effect | ms per audio second |\n|---|---|")
    for name, fn in ours.items():
        print(f"| {name} | {per_audio_second(fn, audio, args):.2f} |")
    try:
        import audiomentations as am
    except ImportError:
        print("\naudiomentations is not installed: `pip install audiomentations` to time it alongside.")
        return
    theirs = {
        "RoomSimulator (a room simulated per call)": am.RoomSimulator(p=1.0),
        "AddColorNoise": am.AddColorNoise(p=1.0),
        "SevenBandParametricEQ": am.SevenBandParametricEQ(p=1.0),
        "BandPassFilter": am.BandPassFilter(p=1.0),
    }
    print("\n| audiomentations | ms per audio second |\n|---|---|")
    for name, transform in theirs.items():
        print(f"| {name} | {per_audio_second(lambda a, t=transform: t(a, SAMPLING_RATE), audio, args):.2f} |")


def chain_versus_training(audio: np.ndarray, args) -> None:
    from uomni_hf import AuTTinyConfig, AuTTinyFeatureExtractor, AuTTinyForCTC

    config = aug.AugmentationConfig(speed_factors=[0.9, 1.0, 1.1], reverb_prob=0.4, noise_prob=0.5, eq_prob=0.5,
                                    telephone_prob=0.15, gain_prob=0.5, clipping_prob=0.05)  # fmt: skip
    augmenter = aug.AcousticAugmenter(config, seed=0)
    augmenter.rooms  # simulated once per run, not per call
    # Each example draws its own chain, so the cost is a mean over many examples (a median would pick a light one).
    examples = 100
    chain_ms = 1000 * median_seconds(
        lambda: [augmenter(audio, i, augmenter.speed_factor(i), babble=[audio[::-1]]) for i in range(examples)],
        max(3, args.repeats // 2), 1,
    ) / (examples * len(audio) / SAMPLING_RATE)
    extractor = AuTTinyFeatureExtractor()
    batch = [audio] * args.batch_size
    features_ms = 1000 * median_seconds(lambda: extractor(batch, sampling_rate=SAMPLING_RATE, return_tensors="pt"),
                                        args.repeats, args.warmup) / (len(batch) * len(audio) / SAMPLING_RATE)  # fmt: skip

    model = AuTTinyForCTC(AuTTinyConfig()).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    inputs = extractor(batch, sampling_rate=SAMPLING_RATE, return_tensors="pt")
    labels = torch.randint(1, 256, (args.batch_size, int(len(audio) / SAMPLING_RATE * 3.3)))

    def step():
        optimizer.zero_grad()
        model(**inputs, labels=labels).loss.backward()
        optimizer.step()

    step_seconds = median_seconds(step, args.repeats, args.warmup)
    audio_per_step = args.batch_size * len(audio) / SAMPLING_RATE
    print(f"\n| stage | ms per audio second | audio seconds per second |\n|---|---|---|")
    print(f"| augmentation chain (training probabilities), one core | {chain_ms:.2f} | {1000 / chain_ms:.0f} |")
    print(f"| feature extraction (batch {args.batch_size}) | {features_ms:.2f} | {1000 / features_ms:.0f} |")
    print(f"| training step, eager, batch {args.batch_size} (AdamW) | {1000 * step_seconds / audio_per_step:.2f} | "
          f"{audio_per_step / step_seconds:.0f} |")  # fmt: skip
    data_seconds = (chain_ms + features_ms) / 1000 * audio_per_step
    print(f"\nPer step of {audio_per_step:.0f} s of audio: data preparation {data_seconds:.2f} s on one core, the model "
          f"{step_seconds:.2f} s on {args.threads} threads.")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--batch-size", type=int, default=32)
    add_timing_options(parser, repeats=7, warmup=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    audio = speech(args.seconds)
    print(f"`{command_line()}`\n\n{machine(args.threads)}\n")
    effects(audio, args)
    chain_versus_training(audio, args)


if __name__ == "__main__":
    sys.exit(main())
