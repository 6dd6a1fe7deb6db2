import numpy as np
import pytest
import torch
from transformers.audio_utils import spectrogram, window_function

from uomni_hf import AuTTinyFeatureExtractor

from .conftest import random_audio


def reference_features(fe: AuTTinyFeatureExtractor, audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The textbook computation in float64 numpy, with transformers' own spectrogram and the same filters; and, per
    element, how far a float32 computation can be from it.

    Float32 rounding perturbs each STFT coefficient by about eps·sqrt(E) (E: the frame's energy), so a power P moves
    by about 2·eps·sqrt(E·P), a mel bin M = Σ w·P by 2·eps·sqrt(E)·Σ w·sqrt(P), and its log by that over M; the
    normalization divides by the bin's standard deviation, and adds ~1e-5 of its own. A bin far below the frame's
    energy therefore carries a much larger error than the others, and how large depends on the CPU's FFT kernels.
    """
    power = spectrogram(
        audio.astype(np.float64),
        window_function(fe.n_fft, "hann"),
        frame_length=fe.n_fft,
        hop_length=fe.hop_length,
        power=2.0,
        center=True,
        pad_mode="constant",
        dtype=np.float64,
    ).T  # (frames, frequencies)
    filters = fe.mel_filters.astype(np.float64)
    mel = np.maximum(power @ filters, fe.mel_floor)
    log_mel = np.log(mel)
    std = log_mel.std(0) + 1e-5
    energy = power.sum(1, keepdims=True)
    float32_error = 2 * np.finfo(np.float32).eps * np.sqrt(energy) * (np.sqrt(power) @ filters) / mel / std + 1e-5
    return (log_mel - log_mel.mean(0)) / std, float32_error


@pytest.mark.parametrize("seconds", [0.0001, 0.01, 0.5, 1.0, 3.37])
def test_matches_the_reference_computation(feature_extractor, seconds):
    audio = random_audio(seconds, seed=int(seconds * 1000))
    features = feature_extractor(audio, sampling_rate=16000, return_tensors="np")["input_features"][0]
    expected, float32_error = reference_features(feature_extractor, audio)
    assert features.shape == expected.shape == (1 + len(audio) // 160, 128)
    # Within 4× the first-order float32 error of every element (measured here on an Intel Xeon: at most 0.7×);
    # for most elements that is ~1e-4.
    if len(features) > 10:
        assert np.median(float32_error) < 3e-5
    np.testing.assert_array_less(np.abs(features - expected), 4 * float32_error)


def test_batch_is_padded_and_masked_and_equals_one_by_one(feature_extractor):
    audios = [random_audio(s, seed=i) for i, s in enumerate([1.0, 0.31, 2.5, 0.02])]
    batch = feature_extractor(audios, sampling_rate=16000, return_tensors="pt")
    frames = [1 + len(a) // 160 for a in audios]
    assert batch["input_features"].shape == (4, max(frames), 128)
    assert batch["attention_mask"].sum(-1).tolist() == frames
    for i, audio in enumerate(audios):
        alone = feature_extractor(audio, sampling_rate=16000, return_tensors="pt")["input_features"][0]
        torch.testing.assert_close(batch["input_features"][i, : frames[i]], alone, atol=1e-5, rtol=0)
        assert (batch["input_features"][i, frames[i] :] == 0).all()


def test_features_are_normalized_per_utterance(feature_extractor):
    features = feature_extractor(random_audio(2.0), sampling_rate=16000, return_tensors="np")["input_features"][0]
    np.testing.assert_allclose(features.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(features.std(0), 1, atol=1e-2)


def test_gain_does_not_change_the_features(feature_extractor):
    audio = random_audio(1.0)
    quiet, loud = (feature_extractor(a, sampling_rate=16000, return_tensors="np")["input_features"] for a in (audio * 0.01, audio * 10))
    np.testing.assert_allclose(quiet, loud, atol=1e-2)  # without normalization they would differ by ~9


def test_padding_max_length_multiple_and_truncation(feature_extractor):
    audios = [random_audio(0.5), random_audio(1.2)]
    static = feature_extractor(audios, sampling_rate=16000, padding="max_length", return_tensors="pt")
    assert static["input_features"].shape == (2, feature_extractor.max_length, 128)
    assert static["attention_mask"].sum(-1).tolist() == [51, 121]
    custom = feature_extractor(audios, sampling_rate=16000, padding="max_length", max_length=300, return_tensors="pt")
    assert custom["input_features"].shape[1] == 300
    multiple = feature_extractor(audios, sampling_rate=16000, pad_to_multiple_of=64, return_tensors="pt")
    assert multiple["input_features"].shape[1] == 128
    cut = feature_extractor(audios, sampling_rate=16000, truncation=True, max_length=80, return_tensors="pt")
    assert cut["input_features"].shape[1] == 80
    assert cut["attention_mask"].sum(-1).tolist() == [51, 80]
    # Truncated features are the features of the truncated audio.
    short = feature_extractor(audios[1][: 80 * 160 - 1], sampling_rate=16000, return_tensors="pt")
    torch.testing.assert_close(cut["input_features"][1], short["input_features"][0])
    with pytest.raises(ValueError, match="truncation"):
        feature_extractor(audios, sampling_rate=16000, padding="max_length", max_length=80)


def test_accepts_numpy_torch_lists_and_batched_arrays(feature_extractor):
    audio = random_audio(0.7)
    expected = feature_extractor(audio, sampling_rate=16000, return_tensors="np")["input_features"]
    for variant in (torch.from_numpy(audio), audio.tolist(), [audio], [torch.from_numpy(audio)], audio.astype(np.float64)):
        got = feature_extractor(variant, sampling_rate=16000, return_tensors="np")["input_features"]
        np.testing.assert_allclose(got, expected, atol=1e-5)
    batched = feature_extractor(np.stack([audio, audio]), sampling_rate=16000, return_tensors="np")["input_features"]
    assert batched.shape[0] == 2
    unpadded = feature_extractor([audio, audio[:1600]], sampling_rate=16000, padding=False)
    assert [f.shape[0] for f in unpadded["input_features"]] == [1 + len(audio) // 160, 11]


def test_int16_pcm_is_scaled(feature_extractor):
    audio = random_audio(0.5)
    pcm = np.round(audio * 32767).astype(np.int16)
    np.testing.assert_allclose(
        feature_extractor(pcm, sampling_rate=16000, return_tensors="np")["input_features"],
        feature_extractor(audio, sampling_rate=16000, return_tensors="np")["input_features"],
        atol=2e-2,
    )


def test_unsigned_8_bit_pcm_is_centred_and_scaled(feature_extractor):
    """8-bit WAV is unsigned: 128 is silence."""
    audio = random_audio(0.5)
    pcm = np.clip(np.round(audio * 128 + 128), 0, 255).astype(np.uint8)
    features = feature_extractor(pcm, sampling_rate=16000, return_tensors="np")["input_features"]
    assert np.isfinite(features).all()
    reference = feature_extractor(audio, sampling_rate=16000, return_tensors="np")["input_features"]
    assert np.abs(features - reference).mean() < 0.2  # 8-bit quantization noise only
    silence = feature_extractor(np.full(1600, 128, np.uint8), sampling_rate=16000, return_tensors="np")
    assert np.all(silence["input_features"][0] == 0)  # all-silent: constant frames, normalized to 0


def test_silence_gives_finite_features(feature_extractor):
    features = feature_extractor(np.zeros(8000, dtype=np.float32), sampling_rate=16000, return_tensors="np")
    assert np.isfinite(features["input_features"]).all()


@pytest.mark.parametrize(
    "audio, kwargs, error, match",
    [
        (random_audio(1.0), {"sampling_rate": 8000}, ValueError, "8000.*16000"),
        (np.zeros((2, 16000, 2), np.float32), {"sampling_rate": 16000}, ValueError, "shape"),
        (np.zeros((16000, 2), np.float32), {"sampling_rate": 16000}, ValueError, "multi-channel"),
        ([np.zeros((2, 16000), np.float32)], {"sampling_rate": 16000}, ValueError, "mono"),
        (np.zeros(0, np.float32), {"sampling_rate": 16000}, ValueError, "empty"),
        ([], {"sampling_rate": 16000}, ValueError, "empty"),
        (np.array([0.1, np.nan, 0.2], np.float32), {"sampling_rate": 16000}, ValueError, "NaN"),
        (np.array([0.1, np.inf], np.float32), {"sampling_rate": 16000}, ValueError, "infinite"),
        ("speech.wav", {"sampling_rate": 16000}, TypeError, "numpy array"),
        ([np.array(["a", "b"])], {"sampling_rate": 16000}, TypeError, "numbers"),
    ],
)
def test_bad_input_raises_a_clear_error(feature_extractor, audio, kwargs, error, match):
    with pytest.raises(error, match=match):
        feature_extractor(audio, **kwargs)


def test_save_and_load(feature_extractor, tmp_path):
    feature_extractor.save_pretrained(tmp_path)
    loaded = AuTTinyFeatureExtractor.from_pretrained(tmp_path)
    audio = random_audio(0.4)
    np.testing.assert_array_equal(
        loaded(audio, sampling_rate=16000, return_tensors="np")["input_features"],
        feature_extractor(audio, sampling_rate=16000, return_tensors="np")["input_features"],
    )
