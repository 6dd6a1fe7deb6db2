"""Batches for CTC training: raw audio (augmented when marked for training) → padded log-mel frames and labels."""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from ..configuration_aut_tiny import AuTTinyConfig
from ..feature_extraction_aut_tiny import AuTTinyFeatureExtractor
from .augmentation import AcousticAugmenter
from .data import is_feasible
from .distillation import DistillationTargets, interpolate_frames


def mel_length_buckets(max_mel_length: int, num_buckets: int, shortest: int = 256, multiple: int = 64) -> tuple[int, ...]:
    """Static mel lengths for length-bucketed batches: a geometric ladder from `shortest` to `max_mel_length`, each
    rounded up to a multiple of `multiple`. Each step is the same factor longer, so a batch pads by at most that
    factor; with `num_buckets` shapes, a compiled model compiles at most that many graphs per batch size."""
    if num_buckets < 1:
        raise ValueError(f"num_mel_length_buckets must be at least 1, got {num_buckets}.")
    if num_buckets == 1 or max_mel_length <= shortest:
        return (max_mel_length,)
    ratio = (max_mel_length / shortest) ** (1 / (num_buckets - 1))
    ladder = {min(max_mel_length, math.ceil(shortest * ratio**i / multiple) * multiple) for i in range(num_buckets - 1)}
    return tuple(sorted(ladder | {max_mel_length}))


def padded_mel_length(longest: int, static_mel_lengths: tuple[int, ...] | None) -> int:
    """The shortest static length that holds `longest` frames; `longest` itself without static lengths or when
    none is long enough."""
    return next((n for n in sorted(static_mel_lengths or ()) if n >= longest), longest)


@dataclass
class DataCollatorCTCWithPadding:
    """Featurizes raw audio and pads a batch: mels to the longest utterance, or, with `static_mel_lengths`, to the
    shortest of those static lengths that fits (a few shapes for compiled graphs and CUDA graphs: one per bucket);
    labels padded with -100, with static lengths to the model's output frames for that length (`mel_output_frames`,
    the config's `num_output_frames`: the most labels CTC can fit). Nothing is ever cut: training data are filtered
    to fit the longest static length, and a longer evaluation utterance gets a longer batch rather than a truncated
    transcript.

    Examples marked `augment` (training examples; one collator serves training and evaluation) go through
    `augmenter`, seeded by their `index`; the other utterances of the batch are the babble. A speed factor that would
    make an utterance longer than `max_samples` or CTC-infeasible (`output_frames`: samples → output frames) is
    replaced by 1.0.

    With `distillation_targets`, a batch with training examples also gets `teacher_states` (batch, output frames,
    dim) and `teacher_mask`: each training utterance's teacher frames, computed from its clean audio, stretched to the
    output frames of the audio the model hears (speed perturbation changes its length); utterances without a teacher
    (and evaluation examples) are masked out."""

    feature_extractor: AuTTinyFeatureExtractor
    static_mel_lengths: tuple[int, ...] | None = None
    mel_output_frames: Callable[[int], int] = field(default_factory=lambda: AuTTinyConfig().num_output_frames)
    augmenter: AcousticAugmenter | None = None
    output_frames: Callable[[int], int] | None = None
    max_samples: int | None = None
    distillation_targets: DistillationTargets | None = None

    def _augment(self, examples: list[dict]) -> list[dict]:
        clean = [np.asarray(example["input_values"], dtype=np.float32) for example in examples]
        augmented = []
        for position, example in enumerate(examples):
            if not example.get("augment"):
                augmented.append(example)
                continue
            index = int(example["index"])
            speed = self.augmenter.speed_factor(index)
            if speed != 1.0:
                new_length = int(round(len(clean[position]) / speed))
                fits = self.max_samples is None or new_length <= self.max_samples
                if not (fits and is_feasible(new_length, list(example["labels"]), self.output_frames)):
                    speed = 1.0
            babble = clean[:position] + clean[position + 1 :]
            audio = self.augmenter(clean[position], index, speed=speed, babble=babble)
            augmented.append({**example, "input_values": audio})
        return augmented

    def __call__(self, examples: list[dict]) -> dict[str, torch.Tensor]:
        if self.augmenter is not None:
            examples = self._augment(examples)
        audio = [np.asarray(example["input_values"], dtype=np.float32) for example in examples]
        longest = max(self.feature_extractor.num_frames(len(a)) for a in audio)
        mel_length = padded_mel_length(longest, self.static_mel_lengths)
        batch = self.feature_extractor(
            audio,
            sampling_rate=self.feature_extractor.sampling_rate,
            padding="max_length",
            max_length=mel_length,
            return_tensors="pt",
        )
        labels = [list(example["labels"]) for example in examples]
        in_bucket = mel_length in (self.static_mel_lengths or ())
        static_width = self.mel_output_frames(mel_length) if in_bucket else 0
        width = max(static_width, max(len(row) for row in labels))
        batch["labels"] = torch.tensor([row + [-100] * (width - len(row)) for row in labels])
        if self.distillation_targets is not None and any(example.get("augment") for example in examples):
            batch.update(self._teacher(examples, batch["attention_mask"], mel_length))
        return dict(batch)

    def _teacher(self, examples: list[dict], attention_mask: torch.Tensor, mel_length: int) -> dict[str, torch.Tensor]:
        lengths = self.mel_output_frames(attention_mask.sum(-1))
        width = int(self.mel_output_frames(mel_length))
        states = torch.zeros(len(examples), width, self.distillation_targets.dim)
        mask = torch.zeros(len(examples), width, dtype=torch.bool)
        for row, example in enumerate(examples):
            frames = self.distillation_targets(str(example.get("audio_path", ""))) if example.get("augment") else None
            if frames is not None:
                length = int(lengths[row])
                states[row, :length] = interpolate_frames(torch.from_numpy(frames), length)
                mask[row, :length] = True
        return {"teacher_states": states, "teacher_mask": mask}
