"""Tests of `uomni_hf.corpus`, one module per module: text, espeak, kokoro, timestamps, build."""

import csv
import shutil
from pathlib import Path

import pytest


requires_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def read_metadata(split_dir: Path) -> list[dict]:
    with open(split_dir / "metadata.csv", encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}
