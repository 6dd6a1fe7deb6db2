"""examples/precompute_teacher.py: each utterance's encoder states, in 30 s pieces when longer, pooled from 50 Hz to
12.5 Hz (a frame per 1280 samples, as AuT-Tiny's); the file is keyed by the metadata's `file_name`, and a rerun
computes only what it lacks. A fake encoder stands in for Whisper (no teacher package needed)."""

import csv
import math
from pathlib import Path

import numpy as np
import soundfile as sf
from safetensors.numpy import load_file, save_file


from .conftest import load_script


teacher = load_script("examples/precompute_teacher.py")


def blocks(audio: np.ndarray) -> np.ndarray:
    """A state per 320 samples (the last block zero-padded): their mean and peak, so a state tells where it came from."""
    padded = np.pad(audio, (0, -len(audio) % 320)).reshape(-1, 320)
    return np.stack([padded.mean(-1), np.abs(padded).max(-1)], axis=-1)


class FakeEncoder:
    """Whisper's contract: at most 30 s in, a state per 320 samples out."""

    def __init__(self):
        self.inputs = []

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        assert len(audio) <= 30 * 16000
        self.inputs.append(len(audio))
        return blocks(audio)


def utterance(seconds: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, int(seconds * 16000)).astype(np.float32)


def test_states_are_pooled_by_four_into_frames_of_1280_samples():
    states = np.arange(10, dtype=np.float32)[:, None]
    np.testing.assert_allclose(teacher.pool(states)[:, 0], [1.5, 5.5, 8.5])  # the last frame averages what is left
    for seconds in (0.3, 1.0, 3.01, 12.0):
        audio = utterance(seconds, 0)
        frames = teacher.teacher_frames(audio, FakeEncoder())
        assert frames.dtype == np.float16 and frames.shape == (math.ceil(len(audio) / 1280), 2)
        np.testing.assert_allclose(frames, teacher.pool(blocks(audio)), atol=2e-3)


def test_an_utterance_longer_than_30_s_is_encoded_in_30_s_pieces_that_join_seamlessly():
    audio = utterance(65.0, 1)
    encode = FakeEncoder()
    frames = teacher.teacher_frames(audio, encode)
    assert encode.inputs == [480000, 480000, 80000]
    np.testing.assert_allclose(frames, teacher.pool(blocks(audio)), atol=2e-3)  # as if encoded at once


def write_audiofolder(split_dir: Path, rows: list[tuple[str, float]]) -> None:
    for seed, (file_name, seconds) in enumerate(rows):
        (split_dir / file_name).parent.mkdir(parents=True, exist_ok=True)
        sf.write(split_dir / file_name, 0.5 * utterance(seconds, seed), 16000, subtype="PCM_16")
    with open(split_dir / "metadata.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["file_name", "text"])
        writer.writerows([file_name, "HELLO"] for file_name, _ in rows)


def test_the_targets_file_is_keyed_by_file_name_and_a_rerun_computes_only_what_it_lacks(tmp_path):
    rows = [("19/19-1-0.wav", 2.0), ("19/19-1-1.wav", 3.5), ("26/26-1-0.wav", 1.0)]
    write_audiofolder(tmp_path / "train", rows)
    encode = FakeEncoder()
    output = teacher.main(["--data_dir", str(tmp_path), "--split", "train"], encode=encode)
    assert output == tmp_path / "train" / "teacher_whisper_tiny_en.safetensors"
    frames = load_file(str(output))
    assert sorted(frames) == sorted(name for name, _ in rows)
    assert {name: frames[name].shape[0] for name, _ in rows} == {name: math.ceil(s * 16000 / 1280) for name, s in rows}
    assert len(encode.inputs) == 3

    teacher.main(["--data_dir", str(tmp_path), "--split", "train"], encode=encode)
    assert len(encode.inputs) == 3  # complete: nothing to encode
    del frames["19/19-1-1.wav"]
    save_file(frames, str(output))
    teacher.main(["--data_dir", str(tmp_path), "--split", "train"], encode=encode)
    assert encode.inputs[3:] == [3.5 * 16000] and sorted(load_file(str(output))) == sorted(name for name, _ in rows)
