"""Property-based tests (hypothesis) for the feature extractor and the tokenizer."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from uomni_hf import AuTTinyFeatureExtractor, AuTTinyTokenizer

from .conftest import TRANSCRIPTS


FEATURE_EXTRACTOR = AuTTinyFeatureExtractor()
TOKENIZERS = {kind: AuTTinyTokenizer.from_transcripts(TRANSCRIPTS * 3, vocab_size=60, model_type=kind) for kind in ("bpe", "unigram", "char")}

audio_lengths = st.integers(min_value=1, max_value=48_000)
amplitudes = st.floats(min_value=1e-6, max_value=1e4, allow_nan=False, allow_infinity=False)


def make_audio(length: int, amplitude: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (amplitude * rng.uniform(-1, 1, length)).astype(np.float32)


@settings(max_examples=60, deadline=None)
@given(length=audio_lengths, amplitude=amplitudes, seed=st.integers(0, 2**16))
def test_any_length_and_amplitude_gives_finite_features_and_the_right_frame_count(length, amplitude, seed):
    features = FEATURE_EXTRACTOR(make_audio(length, amplitude, seed), sampling_rate=16000, return_tensors="np")
    assert features["input_features"].shape == (1, 1 + length // 160, 128)
    assert np.isfinite(features["input_features"]).all()
    assert features["attention_mask"].sum() == 1 + length // 160


@settings(max_examples=25, deadline=None)
@given(
    lengths=st.lists(audio_lengths, min_size=1, max_size=5),
    amplitude=amplitudes,
    seed=st.integers(0, 2**16),
)
def test_a_batch_equals_its_utterances_one_by_one(lengths, amplitude, seed):
    audio = [make_audio(n, amplitude, seed + i) for i, n in enumerate(lengths)]
    batch = FEATURE_EXTRACTOR(audio, sampling_rate=16000, return_tensors="pt")
    for i, item in enumerate(audio):
        alone = FEATURE_EXTRACTOR(item, sampling_rate=16000, return_tensors="pt")["input_features"][0]
        frames = alone.shape[0]
        torch.testing.assert_close(batch["input_features"][i, :frames], alone, atol=1e-4, rtol=1e-4)
        assert (batch["input_features"][i, frames:] == 0).all()


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz'", min_size=1, max_size=12)


@settings(max_examples=100, deadline=None)
@given(sentence=st.lists(words, min_size=1, max_size=12), kind=st.sampled_from(sorted(TOKENIZERS)))
def test_tokenizer_round_trip_for_any_normalized_text(sentence, kind):
    tokenizer = TOKENIZERS[kind]
    text = " ".join(sentence)
    ids = tokenizer(text)["input_ids"]
    assert tokenizer.pad_token_id not in ids and tokenizer.unk_token_id not in ids
    assert tokenizer.decode(ids, group_tokens=False) == text


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=80))
def test_normalization_is_idempotent_and_within_the_alphabet(text):
    tokenizer = TOKENIZERS["bpe"]
    normalized = tokenizer.normalize(text)
    assert set(normalized) <= set("abcdefghijklmnopqrstuvwxyz' ")
    assert tokenizer.normalize(normalized) == normalized
    assert tokenizer.decode(tokenizer(text)["input_ids"], group_tokens=False) == normalized
