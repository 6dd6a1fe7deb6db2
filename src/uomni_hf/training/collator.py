"""Batches for CTC training: raw audio (augmented when marked for training) → padded log-mel frames and labels."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..feature_extraction_aut_tiny import AuTTinyFeatureExtractor
from .augmentation import AcousticAugmenter
from .data import is_feasible


@dataclass
class DataCollatorCTCWithPadding:
    """Featurizes raw audio and pads a batch: mels to the longest utterance, or, with `max_mel_length`, to that
    static length (one shape for compiled graphs and CUDA graphs); labels padded with -100 (to `max_label_length`
    when given). Nothing is ever cut: training data are filtered to fit the static shape, and a longer evaluation
    utterance gets a longer batch rather than a truncated transcript.

    Examples marked `augment` (training examples; one collator serves training and evaluation) go through
    `augmenter`, seeded by their `index`; the other utterances of the batch are the babble. A speed factor that would
    make an utterance longer than `max_samples` or CTC-infeasible (`output_frames`: samples → output frames) is
    replaced by 1.0."""

    feature_extractor: AuTTinyFeatureExtractor
    max_mel_length: int | None = None
    max_label_length: int | None = None
    augmenter: AcousticAugmenter | None = None
    output_frames: Callable[[int], int] | None = None
    max_samples: int | None = None

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
        batch = self.feature_extractor(
            audio,
            sampling_rate=self.feature_extractor.sampling_rate,
            padding="max_length",
            max_length=max(self.max_mel_length or 0, longest),
            return_tensors="pt",
        )
        labels = [list(example["labels"]) for example in examples]
        width = max(self.max_label_length or 0, max(len(row) for row in labels))
        batch["labels"] = torch.tensor([row + [-100] * (width - len(row)) for row in labels])
        return dict(batch)
