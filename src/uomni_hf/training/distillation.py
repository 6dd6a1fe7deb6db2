"""Knowledge distillation targets: a teacher's states for each 80 ms frame of a training utterance, precomputed from
the clean audio (`examples/precompute_teacher.py`: Whisper tiny.en's encoder pooled to 12.5 Hz) into one safetensors
file per split folder, keyed by each audio file's path relative to that folder (the `audiofolder` metadata's
`file_name`).

A training folder without the file, or an utterance without an entry, simply has no teacher: distilled and plain
sources mix in one run. The collator stretches each utterance's teacher frames to the frames of the (speed-perturbed)
audio the student hears."""

import os
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open


def teacher_key(audio_path: str, split_dir: str | Path) -> str:
    """The key of an audio file in its split folder's targets file: its path relative to the folder, with `/`."""
    return Path(os.path.relpath(os.path.abspath(audio_path), os.path.abspath(split_dir))).as_posix()


def interpolate_frames(frames: torch.Tensor, length: int) -> torch.Tensor:
    """`(frames, dim)` → `(length, dim)` by linear interpolation along time, frame centres to frame centres: the
    teacher's frames of the clean audio onto the student's frames of the same audio played faster or slower (the
    counts also differ by a frame where the two models round a length differently)."""
    if frames.shape[0] == length:
        return frames
    stretched = torch.nn.functional.interpolate(frames.T[None], size=length, mode="linear", align_corners=False)
    return stretched[0].T


class DistillationTargets:
    """The targets file `file_name` of each split folder that has one; `targets(audio_path)` gives an utterance's
    teacher frames `(frames, dim)` in float32, or `None` without a teacher. Files open lazily in each process (the
    dataloader workers' own memory maps), and only the utterances asked for are read."""

    def __init__(self, split_dirs: Iterable[str | Path], file_name: str):
        self.file_name = file_name
        self.files = {}  # absolute split folder → its targets file
        for split_dir in split_dirs:
            path = Path(os.path.abspath(split_dir)) / file_name
            if path.is_file():
                self.files[str(path.parent)] = str(path)
        self._handles = {}

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_handles": {}}  # open files do not travel to spawned workers

    def _open(self, file: str):
        if file not in self._handles:
            handle = safe_open(file, framework="np")
            self._handles[file] = (handle, set(handle.keys()))
        return self._handles[file]

    def _locate(self, audio_path: str) -> tuple[str, str] | None:
        """(targets file, key) of an audio file, if its folder has targets and they include it."""
        if not audio_path or not os.path.isabs(audio_path):
            return None  # audio stored inline (a Hub dataset) has no file to key it by
        for split_dir, file in self.files.items():
            if audio_path.startswith(split_dir + os.sep):
                key = teacher_key(audio_path, split_dir)
                return (file, key) if key in self._open(file)[1] else None
        return None

    def __contains__(self, audio_path: str) -> bool:
        return self._locate(audio_path) is not None

    def __call__(self, audio_path: str) -> np.ndarray | None:
        location = self._locate(audio_path)
        if location is None:
            return None
        file, key = location
        return self._open(file)[0].get_tensor(key).astype(np.float32)

    @cached_property
    def dim(self) -> int:
        """The teacher's width, the same in every file."""
        dims = set()
        for file in self.files.values():
            handle, keys = self._open(file)
            dims.update(handle.get_slice(key).get_shape()[-1] for key in sorted(keys)[:1])
        if len(dims) != 1:
            raise ValueError(f"The {self.file_name} files of {list(self.files)} hold teacher states of widths {dims}; "
                             "they must hold one.")  # fmt: skip
        return dims.pop()
