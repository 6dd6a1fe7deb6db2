"""Lay out the training data of the shipped English checkpoint as `audiofolder`s of symbolic links, with validation
sets whose speakers never occur in training.

    python examples/prepare_real_speech.py --shared ../shared/data --output_dir runs/data

writes
- `so762/{train,validation,test}`: speechocean762's `train` split without the speakers in `SO762_VALIDATION`, those
  speakers as `validation` (the same ten as the earlier checkpoint's run), and speechocean762's own `test`;
- `kokoro/{train,validation}`: Kokoro-82M speech of LJ Speech sentences; `validation` holds the voice identities in
  `KOKORO_VALIDATION`, and `train` leaves out every utterance of those voices, blends with them included.
  The six voices reserved for testing (`corpus.kokoro.RESERVED_VOICES`) are not in this corpus at all; they are
  refused here all the same.

Links keep the source audio where it is; the metadata files are new. Nothing is copied into the repository.
"""

import argparse
import csv
import os
import re
from pathlib import Path


SO762_VALIDATION = ("0135", "1064", "1092", "2036", "2170", "5551", "6912", "9600", "9611", "9639")
# One American and one British voice of each gender, and two accented ones: every kind of voice the training
# data has is represented, and none of these is heard in training.
KOKORO_VALIDATION = ("af_bella", "am_michael", "bf_emma", "bm_george", "jf_alpha", "hm_psi")
RESERVED_FOR_TEST = ("af_nicole", "am_adam", "bf_lily", "bm_lewis", "zm_yunxi", "ef_dora")


def voices_of(speaker: str) -> set[str]:
    """`af_sarah*0.3+bm_george` (a blend) → {"af_sarah", "bm_george"}; a voice id → itself."""
    return {re.sub(r"\*.*$", "", part) for part in speaker.split("+")}


def write_split(rows: list[dict], source_dir: Path, split_dir: Path) -> None:
    split_dir.mkdir(parents=True, exist_ok=True)
    for row in rows:
        link = split_dir / row["file_name"]
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(os.path.relpath(source_dir / row["file_name"], split_dir))
    with open(split_dir / "metadata.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_rows(folder: Path) -> list[dict]:
    with open(folder / "metadata.csv", encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", default="../shared/data", help="folder with speechocean762/ and kokoro-lj/")
    parser.add_argument("--output_dir", default="runs/data")
    args = parser.parse_args(argv)
    shared, output = Path(args.shared), Path(args.output_dir)

    so762_train = read_rows(shared / "speechocean762" / "train")
    kokoro = read_rows(shared / "kokoro-lj" / "train")
    reserved = [row for row in kokoro if voices_of(row["speaker"]) & set(RESERVED_FOR_TEST)]
    if reserved:
        raise ValueError(f"{len(reserved)} kokoro-lj utterances use voices reserved for testing: {reserved[0]}")
    splits = {
        "so762/train": ([r for r in so762_train if r["speaker"] not in SO762_VALIDATION], "speechocean762/train"),
        "so762/validation": ([r for r in so762_train if r["speaker"] in SO762_VALIDATION], "speechocean762/train"),
        "so762/test": (read_rows(shared / "speechocean762" / "test"), "speechocean762/test"),
        "kokoro/train": ([r for r in kokoro if not voices_of(r["speaker"]) & set(KOKORO_VALIDATION)], "kokoro-lj/train"),
        "kokoro/validation": ([r for r in kokoro if r["speaker"] in KOKORO_VALIDATION], "kokoro-lj/train"),
    }
    for name, (rows, source) in splits.items():
        write_split(rows, shared / source, output / name)
        print(f"{output / name}: {len(rows)} utterances, {len({r['speaker'] for r in rows})} speakers")

if __name__ == "__main__":
    main()
