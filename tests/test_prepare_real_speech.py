"""examples/prepare_real_speech.py: validation speakers never reach training, blends included; `make demo`'s clips
never reach training; reserved voices are refused. Run on a small stand-in for ../shared/data."""

import csv
from pathlib import Path

import pytest


from .conftest import load_script as load_repository_script


def load_script():
    return load_repository_script("examples/prepare_real_speech.py")


def write_folder(folder: Path, rows: list[dict]):
    folder.mkdir(parents=True)
    for row in rows:
        (folder / row["file_name"]).parent.mkdir(parents=True, exist_ok=True)
        (folder / row["file_name"]).write_bytes(row["file_name"].encode())
    with open(folder / "metadata.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def fake_shared(root: Path, kokoro_speakers: list[str]) -> Path:
    so762 = [{"file_name": f"{s}_{i}.ogg", "text": "HELLO", "speaker": s} for s in ("0135", "0001", "9639", "0002")
             for i in range(2)]  # fmt: skip
    write_folder(root / "speechocean762" / "train", so762)
    write_folder(root / "speechocean762" / "test", [{"file_name": "t.ogg", "text": "HI", "speaker": "0003"}])
    kokoro = [{"file_name": f"kk{i}.ogg", "text": "Hello.", "speaker": s} for i, s in enumerate(kokoro_speakers)]
    write_folder(root / "kokoro-lj" / "train", kokoro)
    # LibriSpeech and AN4 keep each speaker's audio in a folder of its own.
    librispeech = [{"file_name": f"{s}/{s}-1-{i}.opus", "text": "A", "speaker": s} for s in ("19", "26") for i in range(2)]
    write_folder(root / "librispeech" / "train", librispeech)
    dev = [{"file_name": f"{s}/{s}-7-{i}.opus", "text": "B", "speaker": s} for s in ("4088", "4406", "5652", "8226")
           for i in range(3)]  # fmt: skip
    dev.append({"file_name": "8226/8226-274369-0037.opus", "text": "C", "speaker": "8226"})  # a clip of make demo
    write_folder(root / "librispeech" / "dev", dev)
    an4 = [{"file_name": f"{s}/an{i}-{s}-b.opus", "text": "YES", "speaker": s} for s in ("fash", "mtos") for i in range(2)]
    write_folder(root / "an4" / "train", an4)
    write_folder(root / "an4" / "test", [{"file_name": "fcaw/an1-fcaw-b.opus", "text": "NO", "speaker": "fcaw"}])
    return root


def speakers(folder: Path) -> set[str]:
    return {row["speaker"] for row in load_script().read_rows(folder)}


def test_validation_speakers_and_voices_never_reach_training(tmp_path):
    script = load_script()
    kokoro = ["af_sarah", "af_bella", "af_sarah*0.30+bm_george", "am_puck*0.5+af_heart", "hm_psi"]
    shared = fake_shared(tmp_path / "shared", kokoro)
    script.main(["--shared", str(shared), "--output_dir", str(tmp_path / "out")])
    out = tmp_path / "out"
    assert speakers(out / "so762" / "validation") == {"0135", "9639"}
    assert speakers(out / "so762" / "train") == {"0001", "0002"}
    assert speakers(out / "kokoro" / "validation") == {"af_bella", "hm_psi"}
    # A blend with a validation voice (bm_george) is that voice too: out of training.
    assert speakers(out / "kokoro" / "train") == {"af_sarah", "am_puck*0.5+af_heart"}
    link = out / "so762" / "train" / "0001_0.ogg"
    assert link.is_symlink() and link.read_bytes() == b"0001_0.ogg"  # the audio stays where it is
    assert speakers(out / "an4" / "validation") == {"fash"} and speakers(out / "an4" / "train") == {"mtos"}
    assert speakers(out / "an4" / "test") == {"fcaw"}
    assert speakers(out / "librispeech" / "train") == {"19", "26"}


def test_librispeech_dev_splits_by_speaker_and_keeps_the_demo_clips_out_of_training(tmp_path):
    script = load_script()
    shared = fake_shared(tmp_path / "shared", ["af_sarah", "af_bella"])
    script.main(["--shared", str(shared), "--output_dir", str(tmp_path / "out")])
    validation = tmp_path / "out" / "librispeech" / "validation"
    names = [row["file_name"] for row in script.read_rows(validation)]
    assert names == [f"{s}/{s}-7-{i}.opus" for s in ("4406", "5652") for i in range(3)]
    trained = [row["file_name"] for row in script.read_rows(tmp_path / "out" / "librispeech-dev" / "train")]
    assert trained == [f"{s}/{s}-7-{i}.opus" for s in ("4088", "8226") for i in range(3)]
    assert "8226-274369-0037.opus" in script.demo_clip_names()  # the real examples/audio list, not a stand-in
    for name in names:  # each link sits in its speaker's folder and reaches the shared file
        assert (validation / name).is_symlink() and (validation / name).read_bytes() == name.encode()
    link = tmp_path / "out" / "an4" / "test" / "fcaw" / "an1-fcaw-b.opus"
    assert link.read_bytes() == b"fcaw/an1-fcaw-b.opus"


def test_a_reserved_test_voice_in_the_corpus_is_refused(tmp_path):
    shared = fake_shared(tmp_path / "shared", ["af_sarah", "af_heart*0.5+am_adam"])
    with pytest.raises(ValueError, match="reserved"):
        load_script().main(["--shared", str(shared), "--output_dir", str(tmp_path / "out")])
