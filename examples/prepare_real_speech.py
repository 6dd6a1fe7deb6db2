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
- `librispeech/{train,validation}`: Mini LibriSpeech `train-clean-5` as it is, and as `validation` every utterance of
  the two `dev` speakers in `LIBRISPEECH_VALIDATION` (one woman, one man; 260 utterances, never in any training);
- `librispeech-dev/train`: the other two `dev` speakers (0.84 h more native speech, 28 → 30 speakers) without the
  clips of `examples/audio/` (`make demo` transcribes them as speech the model never heard);
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
# Until the seventeenth run every 2nd utterance of all four dev speakers validated and none trained; now 4406 (male)
# and 5652 (female) validate and 4088 (female) and 8226 (male) train (genders from their median pitch, 150 and 234 Hz,
# 211 and 195 Hz: the corpus's README says two and two).
LIBRISPEECH_VALIDATION = ("4406", "5652")
DEMO_AUDIO = Path(__file__).parent / "audio"  # make demo's clips, an audiofolder
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


def demo_clip_names() -> set[str]:
    """The LibriSpeech clips `make demo` transcribes: `4406-16882-0025.opus`, ..."""
    return {row["file_name"] for row in read_rows(DEMO_AUDIO)}


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
    demo_clips = demo_clip_names()
    librispeech_dev_train = [r for r in librispeech_dev if r["speaker"] not in LIBRISPEECH_VALIDATION
                             and Path(r["file_name"]).name not in demo_clips]  # fmt: skip
    an4_train = read_rows(shared / "an4" / "train")
    splits = {
        "so762/train": ([r for r in so762_train if r["speaker"] not in SO762_VALIDATION], "speechocean762/train"),
        "so762/validation": ([r for r in so762_train if r["speaker"] in SO762_VALIDATION], "speechocean762/train"),
        "so762/test": (read_rows(shared / "speechocean762" / "test"), "speechocean762/test"),
        "kokoro/train": ([r for r in kokoro if not voices_of(r["speaker"]) & set(KOKORO_VALIDATION)], "kokoro-lj/train"),
        "kokoro/validation": ([r for r in kokoro if r["speaker"] in KOKORO_VALIDATION], "kokoro-lj/train"),
        "librispeech/train": (read_rows(shared / "librispeech" / "train"), "librispeech/train"),
        "librispeech/validation": ([r for r in librispeech_dev if r["speaker"] in LIBRISPEECH_VALIDATION], "librispeech/dev"),
        "librispeech-dev/train": (librispeech_dev_train, "librispeech/dev"),
        "an4/train": ([r for r in an4_train if r["speaker"] not in AN4_VALIDATION], "an4/train"),
        "an4/validation": ([r for r in an4_train if r["speaker"] in AN4_VALIDATION], "an4/train"),
        "an4/test": (read_rows(shared / "an4" / "test"), "an4/test"),
    }
    for name, (rows, source) in splits.items():
        write_split(rows, shared / source, output / name)
        print(f"{output / name}: {len(rows)} utterances, {len({r['speaker'] for r in rows})} speakers")

if __name__ == "__main__":
    main()
