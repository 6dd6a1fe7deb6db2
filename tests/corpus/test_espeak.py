"""The espeak-ng engine: voices held out per split, speakers, synthesis, letter-by-letter words."""

import subprocess

import numpy as np
import pytest

from uomni_hf.corpus import espeak
from uomni_hf.corpus.espeak import (
    ACCENTS,
    PITCH_RANGE,
    RATE_RANGE,
    TEST_ACCENTS,
    VARIANTS,
    SpeakerConfig,
    speaker_pool,
    spell_out_letter_words,
    split_voices,
    synthesize,
    voice_split,
)
from uomni_hf.corpus.text import SPLITS

from . import requires_espeak


def test_every_voice_is_in_exactly_one_split():
    voices = {split: set(split_voices(split)) for split in SPLITS}
    assert not voices["train"] & voices["validation"]
    assert not voices["train"] & voices["test"]
    assert not voices["validation"] & voices["test"]
    assert set().union(*voices.values()) == {(accent, variant) for accent in ACCENTS for variant in VARIANTS}
    assert all(voices.values())


def test_held_out_accents_and_variants_never_reach_train_or_validation():
    train_and_validation = split_voices("train") + split_voices("validation")
    assert not {accent for accent, _ in train_and_validation} & set(TEST_ACCENTS)
    test_variants = {variant for accent, variant in split_voices("test") if accent not in TEST_ACCENTS}
    validation_variants = {variant for _, variant in split_voices("validation")}
    assert test_variants and validation_variants
    assert not test_variants & {variant for _, variant in train_and_validation}
    assert not validation_variants & {variant for _, variant in split_voices("train")}
    with pytest.raises(ValueError):
        split_voices("dev")


@requires_espeak
def test_configured_accents_and_variants_exist_in_espeak():
    variants = subprocess.run(["espeak-ng", "--voices=variant"], capture_output=True, text=True, check=True).stdout
    variant_files = {line.split()[-1].removeprefix("!v/") for line in variants.splitlines()[1:] if line.strip()}
    assert set(VARIANTS) <= variant_files
    english = subprocess.run(["espeak-ng", "--voices=en"], capture_output=True, text=True, check=True).stdout
    languages = {line.split()[1] for line in english.splitlines()[1:] if "gmw/" in line}
    assert set(ACCENTS) <= languages


def test_speaker_pool_is_deterministic_and_in_range():
    pool = speaker_pool("train", seed=0)
    assert pool == speaker_pool("train", seed=0)
    assert pool != speaker_pool("train", seed=1)
    assert {(speaker.accent, speaker.variant) for speaker in pool} == set(split_voices("train"))
    assert all(RATE_RANGE[0] <= speaker.rate <= RATE_RANGE[1] for speaker in pool)
    assert all(PITCH_RANGE[0] <= speaker.pitch <= PITCH_RANGE[1] for speaker in pool)
    assert len({speaker.name for speaker in pool}) == len(pool)
    assert all(voice_split(speaker.accent, speaker.variant) == "validation" for speaker in speaker_pool("validation"))


@requires_espeak
def test_synthesize_returns_16khz_speech_slower_at_lower_rate():
    fast = synthesize("the quick brown fox jumps over the lazy dog", SpeakerConfig("en-us", "m1", rate=220, pitch=50))
    slow = synthesize("the quick brown fox jumps over the lazy dog", SpeakerConfig("en-us", "m1", rate=130, pitch=50))
    assert fast.dtype == np.float32 and fast.ndim == 1
    assert 1.0 < len(fast) / 16000 < len(slow) / 16000 < 6.0
    assert np.abs(fast).max() > 0.1, "not silent"
    assert np.abs(fast).max() <= 1.0


@requires_espeak
def test_spell_out_letter_words():
    speaker = SpeakerConfig("en-us", "m1", rate=170, pitch=50)
    assert spell_out_letter_words("the nba game was on tv", speaker) == "the n b a game was on t v"
    assert spell_out_letter_words("hello there how are you", speaker) == "hello there how are you"
    assert spell_out_letter_words("the nba game was on tv", "en-us") == "the n b a game was on t v", "a voice name"


def test_missing_espeak_gives_install_hint(monkeypatch):
    monkeypatch.setattr(espeak.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install espeak-ng"):
        synthesize("hello", SpeakerConfig("en-us", "m1", rate=170, pitch=50))
