import numpy as np
import pytest
import torch

from uomni_hf import AuTTinyConfig, AuTTinyFeatureExtractor
from uomni_hf.training import AcousticAugmenter, AugmentationConfig, DataCollatorCTCWithPadding, output_frames_fn
from uomni_hf.training.collator import mel_length_buckets


def test_collator_pads_to_longest_or_to_a_static_shape():
    examples = [
        {"input_values": np.random.randn(16000).astype(np.float32), "labels": [3, 4, 5]},
        {"input_values": np.random.randn(8000).astype(np.float32), "labels": [6]},
    ]
    fe = AuTTinyFeatureExtractor()
    dynamic = DataCollatorCTCWithPadding(fe)(examples)
    assert dynamic["input_features"].shape == (2, 101, 128)
    assert dynamic["attention_mask"].sum(-1).tolist() == [101, 51]
    assert dynamic["labels"].tolist() == [[3, 4, 5], [6, -100, -100]]
    static = DataCollatorCTCWithPadding(fe, static_mel_lengths=(256,))(examples)
    assert static["input_features"].shape == (2, 256, 128)
    assert static["labels"].shape == (2, 32) and static["labels"][1, 1:].eq(-100).all()
    torch.testing.assert_close(static["input_features"][:, :101], dynamic["input_features"])
    # An utterance longer than the static shape (only evaluation data can be) is padded around, never cut.
    longer = DataCollatorCTCWithPadding(fe, static_mel_lengths=(64,))(examples)
    assert longer["input_features"].shape == (2, 101, 128) and longer["labels"].shape == (2, 3)


def test_bucketed_batches_take_the_shortest_static_length_that_fits():
    fe = AuTTinyFeatureExtractor()
    collator = DataCollatorCTCWithPadding(fe, static_mel_lengths=(128, 256, 512))
    # (audio seconds, padded frames, padded labels): labels to frames / 8 in a bucket; past the last, to the longest.
    for seconds, frames, labels in [(0.5, 128, 16), (1.27, 128, 16), (1.28, 256, 32), (3.0, 512, 64), (6.0, 601, 2)]:
        batch = collator([{"input_values": np.zeros(int(seconds * 16000), np.float32) + 0.1, "labels": [3, 4]}])
        assert batch["input_features"].shape[1] == frames, seconds
        assert batch["labels"].shape[1] == labels, seconds


def test_bucket_ladder_is_geometric_rounded_and_ends_at_the_maximum():
    ladder = mel_length_buckets(2048, 6)
    assert len(ladder) == 6 and ladder[0] == 256 and ladder[-1] == 2048 and list(ladder) == sorted(set(ladder))
    assert all(n % 64 == 0 for n in ladder)
    ratios = [b / a for a, b in zip(ladder, ladder[1:])]
    assert max(ratios) < 1.8  # a batch is padded by less than 1.8x its longest utterance
    assert mel_length_buckets(2048, 1) == (2048,) and mel_length_buckets(200, 6) == (200,)
    with pytest.raises(ValueError, match="at least 1"):
        mel_length_buckets(2048, 0)


def augmenting_collator(speed_factors: list[float], max_samples: int) -> DataCollatorCTCWithPadding:
    fe = AuTTinyFeatureExtractor()
    augmenter = AcousticAugmenter(AugmentationConfig(speed_factors=speed_factors), seed=0)
    return DataCollatorCTCWithPadding(fe, augmenter=augmenter, output_frames=output_frames_fn(fe, AuTTinyConfig()),
                                      max_samples=max_samples)  # fmt: skip


def test_speed_perturbation_keeps_utterances_feasible_and_bounded():
    audio = np.random.randn(16000).astype(np.float32)
    collator = augmenting_collator([0.9, 1.1], max_samples=17000)
    frames = set()
    for index in range(40):
        example = {"input_values": audio, "labels": [3] * 5, "augment": True, "index": index}
        frames.add(int(collator([example])["attention_mask"].sum()))
    assert frames == {101, 1 + round(16000 / 1.1) // 160}  # 0.9 would exceed max_samples, so it is skipped
    tight = [3, 4] * 6 + [5]  # 13 labels in 13 frames: 1.1 would be infeasible
    for index in range(20):
        example = {"input_values": audio, "labels": tight, "augment": True, "index": index}
        assert collator([example])["attention_mask"].sum() == 101


def test_collator_augments_only_examples_marked_for_training():
    collator = augmenting_collator([1.1], max_samples=10**6)
    audio = np.random.randn(16000).astype(np.float32)
    train = collator([{"input_values": audio, "labels": [3], "augment": True, "index": 0}])
    evaluation = collator([{"input_values": audio, "labels": [3]}])
    assert train["attention_mask"].sum() == 1 + round(16000 / 1.1) // 160
    assert evaluation["attention_mask"].sum() == 101
