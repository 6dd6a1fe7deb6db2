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


# ---- language model -------------------------------------------------------------------------------------------------

from transformers import AutoProcessor  # noqa: E402

from uomni_hf import decoding_aut_tiny  # noqa: E402

from .conftest import ctc_logits  # noqa: E402


@pytest.fixture
def lm_processor_folder(processor, lm_folder, tmp_path):
    """A processor folder with the test language model inside, as `uomni-build-lm --output_dir` leaves it."""
    folder = tmp_path / "with-lm"
    processor.save_pretrained(folder)
    (folder / "language_model").mkdir()
    for file in (lm_folder / "language_model").iterdir():
        (folder / "language_model" / file.name).write_bytes(file.read_bytes())
    return folder


def ambiguous_batch(tokenizer) -> np.ndarray:
    """Two utterances, the second padded: greedy reads "brewn", the language model "brown"."""
    first = ctc_logits(tokenizer, [("the brown fox", 0.4), ("the brewn fox", 0.6)])
    second = ctc_logits(tokenizer, [("one two", 1.0)])
    padded = np.concatenate([second, np.repeat(second[-1:], len(first) - len(second), axis=0)])
    return np.stack([first, padded])


def test_folder_language_model_is_loaded_and_decodes_logits(lm_processor_folder, tokenizer):
    for loaded in (AuTTinyProcessor.from_pretrained(lm_processor_folder),
                   AutoProcessor.from_pretrained(lm_processor_folder)):
        assert loaded.decoder is not None
        logits = ambiguous_batch(tokenizer)
        lengths = [len(logits[0]), len(ctc_logits(tokenizer, [("one two", 1.0)]))]
        output = loaded.batch_decode(logits, lengths=lengths, output_word_offsets=True)
        assert output.text == ["the brown fox", "one two"]
        assert [w["word"] for w in output.word_offsets[0]] == ["the", "brown", "fox"]
        assert all(score is not None for score in output.lm_score)
        greedy = loaded.batch_decode(logits, lengths=lengths, use_language_model=False)
        assert greedy.text == ["the brewn fox", "one two"] and greedy.lm_score == [None, None]
        assert loaded.decode(torch.from_numpy(logits[0])).text == "the brown fox"
        assert loaded.batch_decode(logits, lengths=lengths, hotwords=["brewn"]).text[0] == "the brewn fox"
        assert loaded.batch_decode([[0, 5, 5, 0]]) == [tokenizer.decode([0, 5, 5, 0])]  # ids: the tokenizer's


def test_saving_keeps_the_language_model_out_of_the_processor_config(lm_processor_folder, tmp_path):
    loaded = AuTTinyProcessor.from_pretrained(lm_processor_folder)
    loaded.save_pretrained(tmp_path / "copy")
    assert "decoder" not in (tmp_path / "copy" / "processor_config.json").read_text()
    assert sorted(p.name for p in (tmp_path / "copy" / "language_model").iterdir()) == [
        "attrs.json", "lm.bin", "unigrams.txt"]
    assert AuTTinyProcessor.from_pretrained(tmp_path / "copy").decoder.options == loaded.decoder.options


def test_without_language_model_logits_decode_greedily(processor, tokenizer, tmp_path):
    processor.save_pretrained(tmp_path)
    loaded = AuTTinyProcessor.from_pretrained(tmp_path)
    assert loaded.decoder is None
    logits = ambiguous_batch(tokenizer)
    assert loaded.batch_decode(logits[:1]).text == ["the brewn fox"]
    with pytest.raises(ValueError, match="no language model"):
        loaded.batch_decode(logits, alpha=0.5)
    with pytest.raises(ValueError, match="lengths"):
        loaded.batch_decode(logits, lengths=[3])
    with pytest.raises(ValueError, match="batch, frames, vocab"):
        loaded.batch_decode(logits[0][None, None])


def test_logits_of_silence_decode_to_empty_text(processor, tokenizer):
    blank = np.full((1, 6, tokenizer.vocab_size), -10.0, dtype=np.float32)
    blank[..., tokenizer.pad_token_id] = 0.0  # every frame the CTC blank
    assert processor.decode(blank[0]).text == ""
    assert processor.decode(blank[0])["text"] == ""
    assert processor.batch_decode(blank).text == [""]
    assert processor.batch_decode(blank[:0]).text == []


def test_missing_flashlight_warns_and_decodes_greedily(lm_processor_folder, monkeypatch):
    def no_flashlight():
        raise ImportError("Language-model decoding needs flashlight-text (pip install flashlight-text).")

    monkeypatch.setattr(decoding_aut_tiny, "_import_flashlight", no_flashlight)
    with pytest.warns(UserWarning, match="flashlight-text.*greedy"):
        loaded = AuTTinyProcessor.from_pretrained(lm_processor_folder)
    assert loaded.decoder is None


def test_broken_language_model_is_a_clear_error_unless_skipped(lm_processor_folder):
    (lm_processor_folder / "language_model" / "lm.bin").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="Could not load the KenLM file"):
        AuTTinyProcessor.from_pretrained(lm_processor_folder)
    assert AuTTinyProcessor.from_pretrained(lm_processor_folder, load_language_model=False).decoder is None
