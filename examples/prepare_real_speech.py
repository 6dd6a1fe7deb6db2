"""Lay out the training data of the shipped English checkpoint as `audiofolder`s of symbolic links, with validation
sets whose speakers never occur in training.

    python examples/prepare_real_speech.py --shared ../shared/data --output_dir runs/data

writes
- `so762/{train,validation,test}`: speechocean762's `train` split without the speakers in `SO762_VALIDATION`, those
  speakers as `validation` (the same ten as the earlier checkpoint's run), and speechocean762's own `test`;
- `kokoro/{train,validation}`: Kokoro-82M speech of LJ Speech sentences; `validation` holds the voice identities in
  `KOKORO_VALIDATION`, and `train` leaves out every utterance of those voices, blends with them included.
  The six voices reserved for testing (`corpus.kokoro.RESERVED_VOICES`) are not in this corpus at all; they are
  refused here all the same;
- `librispeech/{train,validation}`: Mini LibriSpeech `train-clean-5` as it is, and as `validation` every
  `LIBRISPEECH_VALIDATION_STEP`-th utterance of each `dev` speaker (four speakers never in `train`): evaluated with a
  language model at every checkpoint, so a spread-out sample rather than all 496;
- `an4/{train,validation,test}`: AN4's `train` without the speakers in `AN4_VALIDATION`, those speakers, and AN4's
  own `test` (short commands, digit strings, spelled words).

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
LIBRISPEECH_VALIDATION_STEP = 2  # about 62 utterances of each of the four dev speakers: 248 of 496
# Four female and four male AN4 speakers (the corpus marks gender in the speaker id's first letter).
AN4_VALIDATION = ("fash", "fbbh", "fclc", "fejs", "mblw", "mcel", "mcen", "mdcs")


def voices_of(speaker: str) -> set[str]:
    """`af_sarah*0.3+bm_george` (a blend) → {"af_sarah", "bm_george"}; a voice id → itself."""
    return {re.sub(r"\*.*$", "", part) for part in speaker.split("+")}


def write_split(rows: list[dict], source_dir: Path, split_dir: Path) -> None:
    split_dir.mkdir(parents=True, exist_ok=True)
    for row in rows:
        link = split_dir / row["file_name"]
        link.parent.mkdir(parents=True, exist_ok=True)  # LibriSpeech and AN4 keep each speaker in a folder
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(os.path.relpath(source_dir / row["file_name"], link.parent))
    with open(split_dir / "metadata.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_rows(folder: Path) -> list[dict]:
    with open(folder / "metadata.csv", encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def every_nth_per_speaker(rows: list[dict], step: int) -> list[dict]:
    """Each speaker's 1st, (1+step)th, ... utterance: a sample spread over every speaker and chapter."""
    seen: dict[str, int] = {}
    kept = []
    for row in rows:
        position = seen.get(row["speaker"], 0)
        seen[row["speaker"]] = position + 1
        if position % step == 0:
            kept.append(row)
    return kept


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", default="../shared/data", help="folder with speechocean762/, kokoro-lj/, librispeech/ and an4/")
    parser.add_argument("--output_dir", default="runs/data")
    args = parser.parse_args(argv)
    shared, output = Path(args.shared), Path(args.output_dir)

    so762_train = read_rows(shared / "speechocean762" / "train")
    kokoro = read_rows(shared / "kokoro-lj" / "train")
    reserved = [row for row in kokoro if voices_of(row["speaker"]) & set(RESERVED_FOR_TEST)]
    if reserved:
        raise ValueError(f"{len(reserved)} kokoro-lj utterances use voices reserved for testing: {reserved[0]}")
    librispeech_dev = read_rows(shared / "librispeech" / "dev")
    an4_train = read_rows(shared / "an4" / "train")
    splits = {
        "so762/train": ([r for r in so762_train if r["speaker"] not in SO762_VALIDATION], "speechocean762/train"),
        "so762/validation": ([r for r in so762_train if r["speaker"] in SO762_VALIDATION], "speechocean762/train"),
        "so762/test": (read_rows(shared / "speechocean762" / "test"), "speechocean762/test"),
        "kokoro/train": ([r for r in kokoro if not voices_of(r["speaker"]) & set(KOKORO_VALIDATION)], "kokoro-lj/train"),
        "kokoro/validation": ([r for r in kokoro if r["speaker"] in KOKORO_VALIDATION], "kokoro-lj/train"),
        "librispeech/train": (read_rows(shared / "librispeech" / "train"), "librispeech/train"),
        "librispeech/validation": (every_nth_per_speaker(librispeech_dev, LIBRISPEECH_VALIDATION_STEP), "librispeech/dev"),
        "an4/train": ([r for r in an4_train if r["speaker"] not in AN4_VALIDATION], "an4/train"),
        "an4/validation": ([r for r in an4_train if r["speaker"] in AN4_VALIDATION], "an4/train"),
        "an4/test": (read_rows(shared / "an4" / "test"), "an4/test"),
    }
    for name, (rows, source) in splits.items():
        write_split(rows, shared / source, output / name)
        print(f"{output / name}: {len(rows)} utterances, {len({r['speaker'] for r in rows})} speakers")

if __name__ == "__main__":
    main()
