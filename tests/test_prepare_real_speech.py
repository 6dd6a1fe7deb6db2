"""examples/prepare_real_speech.py: validation speakers never reach training, blends included; reserved voices are
refused. Run on a small stand-in for ../shared/data."""

import csv
import importlib.util
from pathlib import Path

import pytest


SCRIPT = Path(__file__).parents[1] / "examples" / "prepare_real_speech.py"


def load_script():
    spec = importlib.util.spec_from_file_location("prepare_real_speech", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_folder(folder: Path, rows: list[dict]):
    folder.mkdir(parents=True)
    for row in rows:
        (folder / row["file_name"]).write_bytes(b"audio")
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
    return root


def speakers(folder: Path) -> set[str]:
    with open(folder / "metadata.csv", newline="") as file:
        return {row["speaker"] for row in csv.DictReader(file)}


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
    assert link.is_symlink() and link.read_bytes() == b"audio"  # the audio stays where it is


def test_a_reserved_test_voice_in_the_corpus_is_refused(tmp_path):
    shared = fake_shared(tmp_path / "shared", ["af_sarah", "af_heart*0.5+am_adam"])
    with pytest.raises(ValueError, match="reserved"):
        load_script().main(["--shared", str(shared), "--output_dir", str(tmp_path / "out")])
