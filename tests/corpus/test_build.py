"""Building an espeak-ng corpus: layout, metadata, byte-identical for a seed whatever the workers, CLI."""

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from uomni_hf.corpus import build
from uomni_hf.corpus.build import METADATA_COLUMNS, TRANSCRIPTS_COLUMNS, TRANSCRIPTS_FILE, build_corpus
from uomni_hf.corpus.espeak import SpeakerConfig, voice_split
from uomni_hf.corpus.text import SPLITS, read_metadata_transcripts
from uomni_hf.text_normalization import normalize_transcript

from . import folder_bytes, read_metadata, requires_espeak


NUM_UTTERANCES = {"train": 4, "validation": 2, "test": 2}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict]:
    output_dir = tmp_path_factory.mktemp("corpus")
    summary = build_corpus(output_dir, *NUM_UTTERANCES.values(), seed=0, num_workers=1)
    return output_dir, summary


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
    build.main(
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


@requires_espeak
def test_python_dash_m_runs_the_cli_once(tmp_path):
    # `python -m uomni_hf.corpus.build` ran build.py a second time as __main__ after the package had imported it.
    output_dir = tmp_path / "dash_m"
    result = subprocess.run(
        [sys.executable, "-m", "uomni_hf.corpus", "--output_dir", str(output_dir), "--num_train", "1",
         "--num_validation", "0", "--num_test", "0", "--num_workers", "1"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["splits"]["train"]["utterances"] == 1
    assert len(read_metadata(output_dir / "train")) == 1
    assert "found in sys.modules" not in result.stderr


@requires_espeak
def test_excluded_texts_are_drawn_again(corpus, tmp_path, capsys):
    output_dir, _ = corpus
    excluded = {row["text"] for split in ("train", "test") for row in read_metadata(output_dir / split)}
    as_written = tmp_path / "as_written" / "metadata.csv"  # the test split's sentences, not normalized
    as_written.parent.mkdir()
    rows = [f"{row['file_name']},{row['text'].upper()}!\n" for row in read_metadata(output_dir / "test")]
    as_written.write_text("file_name,text\n" + "".join(rows), encoding="utf-8")
    build.main(
        ["--output_dir", str(tmp_path / "again"), "--num_train", "4", "--num_validation", "2", "--num_test", "2",
         "--seed", "0", "--num_workers", "1", "--exclude_texts_from", str(output_dir / "train"), str(as_written)]
    )  # fmt: skip
    capsys.readouterr()
    again = {split: [row["text"] for row in read_metadata(tmp_path / "again" / split)] for split in SPLITS}
    assert len(again["train"]) == 4 and len(again["test"]) == 2
    assert not set(again["train"] + again["test"]) & excluded
    assert again["validation"] == [row["text"] for row in read_metadata(output_dir / "validation")], (
        "a split with nothing excluded is the same corpus"
    )


@requires_espeak
def test_transcripts_only_are_the_builds_rows_without_audio(corpus, tmp_path):
    output_dir, _ = corpus
    summary = build_corpus(tmp_path / "text", *NUM_UTTERANCES.values(), seed=0, num_workers=2, transcripts_only=True)
    for split, count in NUM_UTTERANCES.items():
        assert sorted(path.name for path in (tmp_path / "text" / split).iterdir()) == [TRANSCRIPTS_FILE]
        with open(tmp_path / "text" / split / TRANSCRIPTS_FILE, encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
        built = [{column: row[column] for column in TRANSCRIPTS_COLUMNS} for row in read_metadata(output_dir / split)]
        assert rows == built and len(rows) == count
        assert summary["splits"][split] == {"utterances": count, "speakers": len({r["speaker"] for r in rows}),
                                            "hours": None}  # fmt: skip
        assert read_metadata_transcripts(tmp_path / "text" / split / TRANSCRIPTS_FILE) == [r["text"] for r in rows]


@requires_espeak
def test_short_utterances_cli_speaks_short_texts_with_silence_around(tmp_path, capsys):
    output_dir = tmp_path / "short"
    build.main(
        ["--output_dir", str(output_dir), "--num_train", "4", "--num_validation", "0", "--num_test", "0",
         "--seed", "5", "--num_workers", "1", "--short_utterances"]
    )  # fmt: skip
    capsys.readouterr()
    rows = read_metadata(output_dir / "train")
    assert len(rows) == 4
    for row in rows:
        assert 1 <= len(row["text"].split()) <= 7
        audio, _ = sf.read(output_dir / "train" / row["file_name"])
        loud = np.flatnonzero(np.abs(audio) > 0)
        silence = (loud[0], len(audio) - 1 - loud[-1])
        assert min(silence) >= 0.1 * 16000 - 1 and max(silence) <= 1.0 * 16000 + 1, silence
    build_corpus(tmp_path / "again", 4, 0, 0, seed=5, num_workers=2, short_utterances=True)
    assert folder_bytes(tmp_path / "again") == folder_bytes(output_dir)


def test_unknown_engine_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="engine must be one of"):
        build_corpus(tmp_path / "corpus", 1, 0, 0, engine="festival")
    assert not (tmp_path / "corpus").exists()
