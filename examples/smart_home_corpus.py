"""A small speech domain of smart-home commands, spoken by espeak-ng voices: what `make demo` fine-tunes on.

Users fine-tune on their own domain; this one is made here so the demo needs no download. Its words ("dehumidifier",
"thermostat", "sprinklers") and its short command shape are rare in the shipped model's training data. Train and
test share no voice (espeak-ng's held-out accents and variants, `uomni_hf.corpus.espeak`) and no sentence, so
the test WER measures the domain learnt, not the utterances remembered.

    python examples/smart_home_corpus.py outputs/smart-home [--num-train 800] [--num-test 120]
"""

import argparse
import csv
import multiprocessing
import random
from pathlib import Path

import numpy as np
import soundfile as sf

from uomni_hf.corpus.espeak import SAMPLING_RATE, speaker_pool, synthesize, trim_silence


ROOMS = ("kitchen", "living room", "bedroom", "hallway", "garage", "bathroom", "office", "nursery", "basement", "porch")
DEVICES = ("lights", "lamp", "ceiling fan", "heater", "dehumidifier", "air purifier", "speaker", "humidifier")
NUMBERS = ("sixteen", "seventeen", "eighteen", "nineteen", "twenty", "twenty one", "twenty two", "twenty three")
TEMPLATES = (
    "turn {on_off} the {room} {device}",
    "switch {on_off} the {device} in the {room}",
    "set the {room} thermostat to {number} degrees",
    "dim the {room} lights to {number} percent",
    "{open_close} the {room} blinds",
    "{open_close} the garage door",
    "{lock} the {door} door",
    "start the robot vacuum in the {room}",
    "water the garden with the sprinklers for {number} minutes",
    "play some {genre} in the {room}",
    "is the {door} door locked",
    "what is the temperature in the {room}",
)
SLOTS = {
    "on_off": ("on", "off"),
    "room": ROOMS,
    "device": DEVICES,
    "number": NUMBERS,
    "open_close": ("open", "close"),
    "lock": ("lock", "unlock"),
    "door": ("front", "back", "patio", "cellar"),
    "genre": ("jazz", "rock music", "classical music", "the news", "podcasts"),
}
SPLIT_SEEDS = {"train": 0, "test": 1}


def command(rng: random.Random) -> str:
    """One command of the domain's grammar."""
    template = rng.choice(TEMPLATES)
    return template.format(**{slot: rng.choice(values) for slot, values in SLOTS.items()})


def split_texts(num_train: int, num_test: int, seed: int = 0) -> dict[str, list[str]]:
    """Commands per split; a test sentence is never a training sentence (drawn again if it is)."""
    if num_train < 1 or num_test < 1:
        raise ValueError(f"need at least one utterance per split, got num_train={num_train}, num_test={num_test}")
    rng = random.Random(f"smart-home-{seed}")
    train = [command(rng) for _ in range(num_train)]
    seen, test = set(train), []
    for _ in range(100 * num_test):
        text = command(rng)
        if text not in seen:
            test.append(text)
            if len(test) == num_test:
                return {"train": train, "test": test}
    raise ValueError(f"could not draw {num_test} test commands unlike the {num_train} training ones")


def _speak(job: tuple[str, int, str, int]) -> dict:
    """Speak one command with a voice of its split, with 0.1-0.4 s of silence around it; write it; return its row."""
    output_dir, index, text, seed = job
    split = Path(output_dir).name
    rng = random.Random(f"{seed}-{split}-{index}")
    speaker = rng.choice(speaker_pool(split, SPLIT_SEEDS[split] + seed))
    audio = trim_silence(synthesize(text, speaker))
    silence = [np.zeros(round(rng.uniform(0.1, 0.4) * SAMPLING_RATE), np.float32) for _ in range(2)]
    audio = np.clip(np.concatenate([silence[0], audio, silence[1]]), -1.0, 1.0)
    file_name = f"{split}_{index:05d}.wav"
    sf.write(Path(output_dir, file_name), audio, SAMPLING_RATE, subtype="PCM_16")
    return {"file_name": file_name, "text": text, "speaker": speaker.name, "seconds": f"{len(audio) / SAMPLING_RATE:.2f}"}


def build_smart_home_corpus(
    output_dir: str | Path, num_train: int = 800, num_test: int = 120, seed: int = 0, num_workers: int = 2
) -> dict[str, dict]:
    """Write `output_dir/{train,test}/` as an `audiofolder` (wav + metadata.csv); returns per split the number of
    utterances, voices and hours. The same arguments give the same files, whatever `num_workers` is."""
    jobs = []
    for split, texts in split_texts(num_train, num_test, seed).items():
        Path(output_dir, split).mkdir(parents=True, exist_ok=True)
        jobs += [(str(Path(output_dir, split)), index, text, seed) for index, text in enumerate(texts)]
    if num_workers == 1:
        rows = list(map(_speak, jobs))
    else:  # "spawn": a process forked after torch started threads can deadlock
        with multiprocessing.get_context("spawn").Pool(num_workers) as pool:
            rows = pool.map(_speak, jobs, chunksize=8)

    summary = {}
    for split in SPLIT_SEEDS:
        split_rows = [row for row in rows if row["file_name"].startswith(f"{split}_")]
        with open(Path(output_dir, split, "metadata.csv"), "w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=list(split_rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(split_rows)
        summary[split] = {
            "utterances": len(split_rows),
            "voices": len({row["speaker"].split("_")[0] for row in split_rows}),
            "hours": round(sum(float(row["seconds"]) for row in split_rows) / 3600, 3),
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output_dir")
    parser.add_argument("--num-train", type=int, default=800)
    parser.add_argument("--num-test", type=int, default=120)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(build_smart_home_corpus(args.output_dir, args.num_train, args.num_test, args.seed))


if __name__ == "__main__":
    main()
