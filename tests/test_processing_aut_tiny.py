import numpy as np
import pytest
import torch

from uomni_hf import AuTTinyProcessor

from .conftest import random_audio


def test_audio_and_text_give_features_mask_and_padded_labels(processor):
    audios = [random_audio(1.0), random_audio(0.5, seed=1)]
    texts = ["the quick brown fox", "one two"]
    batch = processor(audio=audios, text=texts, sampling_rate=16000, return_tensors="pt")
    assert set(batch) == {"input_features", "attention_mask", "labels"}
    assert batch["input_features"].shape == (2, 101, 128)
    labels = batch["labels"]
    lengths = [len(processor.tokenizer(t)["input_ids"]) for t in texts]
    assert labels.shape == (2, max(lengths))
    assert (labels[1, lengths[1] :] == -100).all() and (labels[1, : lengths[1]] > 0).all()
    decoded = processor.batch_decode(labels.masked_fill(labels == -100, 0), group_tokens=False)
    assert decoded == texts


def test_text_only_and_audio_only(processor):
    assert set(processor(audio=random_audio(0.3), sampling_rate=16000)) == {"input_features", "attention_mask"}
    labels = processor(text="one two three")["labels"]
    assert processor.decode(labels[0], group_tokens=False) == "one two three"


def test_text_is_normalized_as_in_training(processor):
    """Numbers are spelled out before tokenizing; without that, "2" would vanish from the labels."""
    labels = processor(text="Peter had 2 cats.")["labels"]
    assert processor.decode(labels[0], group_tokens=False) == "peter had two cats"


def test_errors(processor):
    with pytest.raises(ValueError, match="audio"):
        processor()
    with pytest.raises(ValueError, match="transcripts"):
        processor(audio=[random_audio(0.3)] * 2, text=["one"], sampling_rate=16000)
    with pytest.raises(ValueError, match="16000"):
        processor(audio=random_audio(0.3), sampling_rate=44100)


def test_save_and_load(processor, tmp_path):
    processor.save_pretrained(tmp_path)
    loaded = AuTTinyProcessor.from_pretrained(tmp_path)
    audio = random_audio(0.6)
    a = loaded(audio=audio, text="one two", sampling_rate=16000, return_tensors="np")
    b = processor(audio=audio, text="one two", sampling_rate=16000, return_tensors="np")
    np.testing.assert_array_equal(a["input_features"], b["input_features"])
    np.testing.assert_array_equal(a["labels"], b["labels"])
    assert isinstance(a["labels"], np.ndarray)
    assert loaded.decode(torch.tensor([0, 5, 5, 0])) == processor.decode([0, 5, 5, 0])
