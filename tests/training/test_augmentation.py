"""Acoustic augmentation: every effect changes the audio, keeps it finite, mono, 16 kHz-long and in [-1, 1]; draws
are reproducible per (seed, epoch, example)."""

import numpy as np
import pytest

from uomni_hf.training.augmentation import (
    TELEPHONE_CHANNELS,
    AcousticAugmenter,
    AugmentationConfig,
    add_noise,
    clip,
    coloured_noise,
    make_babble,
    microphone_colouring,
    mu_law_round_trip,
    reverberate,
    simulate_room_impulse_responses,
    telephone_channel,
)


def speech_like(seconds: float = 1.5, seed: int = 0) -> np.ndarray:
    """Harmonics of a gliding 120-220 Hz pitch, amplitude-modulated like syllables, up to 7 kHz."""
    t = np.arange(int(seconds * 16000)) / 16000
    rng = np.random.default_rng(seed)
    f0 = 120 + 100 * (0.5 + 0.5 * np.sin(2 * np.pi * 0.7 * t))
    phase = 2 * np.pi * np.cumsum(f0) / 16000
    voiced = sum(np.sin(k * phase) / k for k in range(1, 30))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)
    return (0.2 * voiced * envelope + 0.003 * rng.standard_normal(len(t))).astype(np.float32)


def assert_plausible_audio(out: np.ndarray, original: np.ndarray):
    assert out.dtype == np.float32 and out.ndim == 1
    assert len(out) == len(original)  # still 16 kHz: same duration, same number of samples
    assert np.isfinite(out).all() and np.abs(out).max() <= 1.0
    assert not np.allclose(out, original, atol=1e-4)  # it did something


@pytest.fixture(scope="module")
def rooms():
    return simulate_room_impulse_responses(4, seed=0)


def test_room_impulse_responses_are_reproducible_and_decay(rooms):
    again = simulate_room_impulse_responses(4, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(rooms, again))
    for response in rooms:
        energy = np.cumsum(response[::-1] ** 2)[::-1]  # Schroeder decay curve
        assert energy[len(response) // 2] < 0.1 * energy[0]


def test_reverberation(rooms):
    audio = speech_like()
    out = reverberate(audio, rooms[0])
    assert_plausible_audio(out, audio)
    np.testing.assert_allclose(np.sqrt(np.mean(out**2)), np.sqrt(np.mean(audio**2)), rtol=1e-3)  # level kept


@pytest.mark.parametrize("exponent", [0.0, 1.0, 2.0])
def test_coloured_noise_has_the_requested_slope(exponent):
    noise = coloured_noise(16000 * 4, exponent, np.random.default_rng(0))
    spectrum = np.abs(np.fft.rfft(noise)) ** 2
    frequencies = np.fft.rfftfreq(len(noise), 1 / 16000)
    low, high = spectrum[(frequencies > 100) & (frequencies < 200)].mean(), spectrum[frequencies > 3200].mean()
    # Power ratio between ~150 Hz and ~5 kHz follows (5000 / 150) ** exponent, within a factor of 2.
    assert 0.5 < (low / high) / (5000 / 150) ** exponent < 2.0


@pytest.mark.parametrize("snr_db", [0.0, 10.0, 25.0])
def test_noise_is_added_at_the_requested_snr(snr_db):
    audio = speech_like()
    noise = coloured_noise(len(audio), 1.0, np.random.default_rng(1))
    out = add_noise(audio, noise, snr_db)
    measured = 10 * np.log10(np.mean(audio**2) / np.mean((out - audio) ** 2))
    assert abs(measured - snr_db) < 0.01


def test_babble_is_made_of_the_other_utterances():
    sources = [speech_like(0.7, seed=i) for i in range(3)]
    babble = make_babble(sources, 16000, np.random.default_rng(0))
    assert babble.shape == (16000,) and np.isfinite(babble).all() and np.abs(babble).max() > 0
    assert make_babble([np.zeros(0, np.float32)], 100, np.random.default_rng(0)).sum() == 0  # empty sources: silence


def test_microphone_colouring():
    audio = speech_like()
    assert_plausible_audio(np.clip(microphone_colouring(audio, np.random.default_rng(0)), -1, 1), audio)


@pytest.mark.parametrize("channel", TELEPHONE_CHANNELS)
def test_telephone_channels_band_limit_the_audio(channel):
    audio = speech_like() + 0.05 * coloured_noise(24000, 0.0, np.random.default_rng(2))  # energy up to 8 kHz
    out = telephone_channel(audio, np.random.default_rng(0), channel)
    assert_plausible_audio(out, audio)
    spectrum, frequencies = np.abs(np.fft.rfft(out)) ** 2, np.fft.rfftfreq(len(out), 1 / 16000)
    original = np.abs(np.fft.rfft(audio)) ** 2
    above = frequencies > 4500
    if channel != "mp3":  # phones and 8 kHz codecs keep nothing above 4 kHz (MP3 is lossy at every band)
        assert spectrum[above].sum() < 0.01 * original[above].sum()


def test_mu_law_quantizes_to_256_levels():
    audio = np.linspace(-1, 1, 5000, dtype=np.float32)
    out = mu_law_round_trip(audio)
    assert len(np.unique(out)) <= 256
    error = np.abs(out - audio)
    assert error[np.abs(audio) < 0.01].max() < 3e-4  # fine steps for quiet samples: logarithmic companding
    assert error.max() < 0.035


def test_clipping_flattens_the_peaks():
    audio = speech_like()
    out = clip(audio, headroom_db=6.0)
    assert_plausible_audio(out, audio)
    assert np.isclose(np.abs(out).max(), np.abs(audio).max() / 10 ** (6 / 20), rtol=1e-5)


ALL_ON = AugmentationConfig(speed_factors=[0.9, 1.1], reverb_prob=1.0, noise_prob=1.0, eq_prob=1.0,
                            telephone_prob=1.0, gain_prob=1.0, clipping_prob=1.0, num_rooms=3)  # fmt: skip


def test_the_chain_is_reproducible_per_seed_epoch_and_example():
    audio, babble = speech_like(), [speech_like(1.0, seed=5)]
    augmenter = AcousticAugmenter(ALL_ON, seed=3)
    first = augmenter(audio, index=7, speed=augmenter.speed_factor(7), babble=babble)
    assert np.isfinite(first).all() and np.abs(first).max() <= 1.0
    again = AcousticAugmenter(ALL_ON, seed=3)(audio, index=7, speed=augmenter.speed_factor(7), babble=babble)
    np.testing.assert_array_equal(first, again)  # another process (a resumed run) draws the same
    other_example = augmenter(audio, index=8, speed=1.0, babble=babble)
    augmenter.epoch = 1
    next_epoch = augmenter(audio, index=7, speed=1.0, babble=babble)
    assert not np.allclose(first[: len(other_example)], other_example[: len(first)])
    assert not np.allclose(next_epoch, augmenter.__class__(ALL_ON, seed=3)(audio, index=7, speed=1.0, babble=babble))


def test_nothing_is_on_by_default_and_bad_settings_are_named():
    assert not AugmentationConfig().enabled and ALL_ON.enabled
    with pytest.raises(ValueError, match="noise_prob"):
        AugmentationConfig(noise_prob=1.5)
    with pytest.raises(ValueError, match="noise_snr_db"):
        AugmentationConfig(noise_snr_db=(30.0, 5.0))
    with pytest.raises(ValueError, match="speed"):
        AugmentationConfig(speed_factors=[0.0])
