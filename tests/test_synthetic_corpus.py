import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from uomni_hf import synthetic_corpus
from uomni_hf.synthetic_corpus import (
    ACCENTS,
    MAX_WORDS,
    METADATA_COLUMNS,
    PITCH_RANGE,
    RATE_RANGE,
    SPLITS,
    TEST_ACCENTS,
    VARIANTS,
    SpeakerConfig,
    build_corpus,
    generate_sentences,
    read_text_file,
    speaker_pool,
    spell_out_letter_words,
    split_extra_texts,
    split_voices,
    synthesize,
    voice_split,
)
from uomni_hf.text_normalization import normalize_transcript


requires_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")

NUM_UTTERANCES = {"train": 4, "validation": 2, "test": 2}


def read_metadata(split_dir: Path) -> list[dict]:
    with open(split_dir / "metadata.csv", encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict]:
    output_dir = tmp_path_factory.mktemp("corpus")
    summary = build_corpus(output_dir, *NUM_UTTERANCES.values(), seed=0, num_workers=1)
    return output_dir, summary


# ---------------------------------------------------------------------------------------------------------------------
# Voices and speakers
# ---------------------------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------------------------------


def test_generated_sentences_are_normalized_varied_and_deterministic():
    sentences = generate_sentences(300, seed=0)
    assert sentences == generate_sentences(300, seed=0)
    assert sentences != generate_sentences(300, seed=1)
    assert generate_sentences(10, seed=0) == sentences[:10]
    for sentence in sentences:
        assert normalize_transcript(sentence) == sentence
        assert 1 <= len(sentence.split()) <= MAX_WORDS
    words = {word for sentence in sentences for word in sentence.split()}
    assert len(words) > 1000, "a broad vocabulary"
    assert len(set(sentences)) > 280
    assert {"one", "two", "three"} & words, "spelled-out numbers"
    assert set("abcdefghijklmnopqrstuvwxyz") <= set("".join(sentences))


def test_extra_texts_are_mixed_in_normalized_and_truncated():
    extra = ["Mr. Brown paid $5 for it.", " ".join(["word"] * 40)]
    sentences = generate_sentences(100, seed=0, extra_texts=extra)
    assert "mister brown paid five dollars for it" in sentences
    assert " ".join(["word"] * MAX_WORDS) in sentences
    assert 20 < sum(sentence.startswith(("mister brown", "word word")) for sentence in sentences) < 80


def test_read_text_file_plain_and_ljspeech(tmp_path):
    plain = tmp_path / "sentences.txt"
    plain.write_text("first sentence\n\n  second one  \n", encoding="utf-8")
    assert read_text_file(plain) == ["first sentence", "second one"]
    ljspeech = tmp_path / "metadata.csv"
    ljspeech.write_text(
        "LJ001-0001|Printing, in 1905.|Printing, in nineteen oh five.\nLJ001-0002|Dr. X|Doctor X\n", encoding="utf-8"
    )
    assert read_text_file(ljspeech) == ["Printing, in nineteen oh five.", "Doctor X"]


def test_split_extra_texts_puts_each_text_in_one_split():
    texts = [f"sentence number {index}" for index in range(1000)]
    splits = split_extra_texts(texts)
    assert sorted(sum(splits.values(), [])) == sorted(texts)
    assert split_extra_texts(texts) == splits
    assert 850 < len(splits["train"]) < 950
    assert 20 < len(splits["validation"]) < 80 and 20 < len(splits["test"]) < 80


# ---------------------------------------------------------------------------------------------------------------------
# Speech
# ---------------------------------------------------------------------------------------------------------------------


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


def test_missing_espeak_gives_install_hint(monkeypatch):
    monkeypatch.setattr(synthetic_corpus.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install espeak-ng"):
        synthesize("hello", SpeakerConfig("en-us", "m1", rate=170, pitch=50))


# ---------------------------------------------------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------------------------------------------------


@requires_espeak
def test_corpus_layout_metadata_and_wav_files(corpus):
    output_dir, summary = corpus
    for split, count in NUM_UTTERANCES.items():
        split_dir = output_dir / split
        with open(split_dir / "metadata.csv", encoding="utf-8") as file:
            assert file.readline().strip() == ",".join(METADATA_COLUMNS)
        rows = read_metadata(split_dir)
        assert len(rows) == count == summary["splits"][split]["utterances"]
        assert sorted(path.name for path in split_dir.glob("*.wav")) == sorted(row["file_name"] for row in rows)
        for row in rows:
            info = sf.info(split_dir / row["file_name"])
            assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
            assert abs(info.frames / 16000 - float(row["duration"])) < 1e-3
            assert 0.3 < float(row["duration"]) < 15.0
            assert normalize_transcript(row["text"]) == row["text"] != ""
            assert voice_split(row["accent"], row["variant"]) == split
            speaker = SpeakerConfig(row["accent"], row["variant"], int(row["rate"]), int(row["pitch"]))
            assert row["speaker"] == speaker.name
        hours = sum(float(row["duration"]) for row in rows) / 3600
        assert summary["splits"][split]["hours"] == pytest.approx(hours, abs=1e-4)


@requires_espeak
def test_corpus_is_byte_identical_for_a_seed_whatever_the_workers(corpus, tmp_path):
    output_dir, summary = corpus
    summary_again = build_corpus(tmp_path / "again", *NUM_UTTERANCES.values(), seed=0, num_workers=2)
    assert folder_bytes(tmp_path / "again") == folder_bytes(output_dir)
    assert summary_again["splits"] == summary["splits"]

    build_corpus(tmp_path / "other_seed", *NUM_UTTERANCES.values(), seed=1, num_workers=1)
    other = folder_bytes(tmp_path / "other_seed")
    assert other.keys() == folder_bytes(output_dir).keys()
    assert read_metadata(tmp_path / "other_seed" / "train") != read_metadata(output_dir / "train")
    assert other["train/train_0000000.wav"] != folder_bytes(output_dir)["train/train_0000000.wav"]


@requires_espeak
def test_corpus_loads_as_audiofolder(corpus, tmp_path):
    from datasets import Audio, load_dataset

    output_dir, _ = corpus
    dataset = load_dataset("audiofolder", data_dir=str(output_dir), cache_dir=str(tmp_path / "cache"))
    dataset = dataset.cast_column("audio", Audio(sampling_rate=16000))
    assert set(dataset) == set(SPLITS)
    for split, count in NUM_UTTERANCES.items():
        assert dataset[split].num_rows == count
        assert {"audio", "text", "speaker", "accent", "variant", "rate", "pitch", "duration"} <= set(
            dataset[split].column_names
        )
        rows = {row["text"]: row for row in read_metadata(output_dir / split)}
        example = dataset[split][0]
        audio = example["audio"]
        samples = audio.get_all_samples()
        assert samples.sample_rate == 16000
        assert samples.data.shape[0] == 1
        assert samples.data.shape[1] == sf.info(output_dir / split / rows[example["text"]]["file_name"]).frames


@requires_espeak
def test_build_refuses_to_overwrite_unless_asked(corpus, tmp_path):
    output_dir = tmp_path / "corpus"
    build_corpus(output_dir, 1, 0, 0, seed=0, num_workers=1)
    with pytest.raises(FileExistsError, match="overwrite"):
        build_corpus(output_dir, 1, 0, 0, seed=0, num_workers=1)
    build_corpus(output_dir, 1, 0, 0, seed=0, num_workers=1, overwrite=True)
    assert len(list((output_dir / "train").glob("*.wav"))) == 1
    assert not (output_dir / "validation").exists(), "an empty split folder would break load_dataset"


@requires_espeak
def test_cli_with_ljspeech_text_file(tmp_path, capsys):
    text_file = tmp_path / "metadata.csv"
    lines = [f"LJ{index:03d}|Raw {index}.|the extra sentence number {index}" for index in range(50)]
    text_file.write_text("\n".join(lines), encoding="utf-8")
    output_dir = tmp_path / "cli"
    synthetic_corpus.main(
        ["--output_dir", str(output_dir), "--num_train", "2", "--num_validation", "1", "--num_test", "1",
         "--seed", "3", "--text_file", str(text_file), "--num_workers", "1"]
    )  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert {split: summary["splits"][split]["utterances"] for split in SPLITS} == {
        "train": 2,
        "validation": 1,
        "test": 1,
    }
    for split in SPLITS:
        assert all(re.fullmatch(r"[a-z' ]+", row["text"]) for row in read_metadata(output_dir / split))


def test_words_with_known_times_for_timestamp_ground_truth():
    from uomni_hf.synthetic_corpus import synthesize_with_word_times

    speaker = SpeakerConfig(accent="en-us", variant="m1", rate=160, pitch=50)
    audio, times = synthesize_with_word_times(["open", "the", "window"], speaker, pause_seconds=0.25)
    assert [word for word, _, _ in times] == ["open", "the", "window"]
    assert times[0][1] == 0.25
    for (_, _, end), (_, next_start, _) in zip(times, times[1:]):
        assert next_start - end == pytest.approx(0.25, abs=1e-4)
        silence = audio[int(end * 16000) + 1 : int(next_start * 16000) - 1]
        assert np.abs(silence).max() == 0
    assert len(audio) / 16000 == pytest.approx(times[-1][2] + 0.25, abs=1e-4)
    for _, start, end in times:  # each word is sound from its first to its last sample
        word = audio[int(start * 16000) : int(end * 16000)]
        assert np.abs(word[:160]).max() > 0 and np.abs(word[-160:]).max() > 0
