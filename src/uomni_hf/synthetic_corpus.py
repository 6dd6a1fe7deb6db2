"""Synthetic English speech for training and testing AuT-Tiny: sentences spoken by `espeak-ng`, as an `audiofolder`.

Real transcribed speech is large to download and license-bound; `espeak-ng` speaks any text in several English accents
and dozens of voice variants, so a corpus with exactly known transcripts can be generated on any machine. Everything
about an utterance (text, speaker, silence padding) is derived from `(seed, split, index)` alone, so a build is
byte-for-byte reproducible whatever the number of worker processes.

Voices (an accent plus a variant) are held out whole, so validation and test measure generalization to unseen voices:

- test: every voice of the `en-gb-scotland` accent, plus the variants in `TEST_VARIANTS` in every accent;
- validation: the variants in `VALIDATION_VARIANTS` in the remaining accents;
- train: everything else.

Usage:

```bash
python -m uomni_hf.synthetic_corpus --output_dir data/synthetic --num_train 20000 --num_validation 500 \\
    --num_test 500 --seed 0 [--text_file metadata.csv] [--num_workers 8]
```

```python
from datasets import Audio, load_dataset

corpus = load_dataset("audiofolder", data_dir="data/synthetic").cast_column("audio", Audio(sampling_rate=16000))
```
"""

import argparse
import csv
import functools
import hashlib
import json
import multiprocessing
import os
import random
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm.auto import tqdm

from .text_normalization import normalize_transcript


SAMPLING_RATE = 16000
SPLITS = ("train", "validation", "test")
METADATA_COLUMNS = ("file_name", "text", "speaker", "accent", "variant", "rate", "pitch", "duration")

# English accents of espeak-ng that have their own rules. Left out: `en-uk` and the `mb-*` voices, which need MBROLA
# (not installed; `en-uk` silently falls back to `en-gb`), and plain `en`, the same as `en-gb`.
ACCENTS = (
    "en-us",
    "en-us-nyc",
    "en-gb",
    "en-gb-x-rp",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-029",
    "en-gb-scotland",
)
# Voice variants (`espeak-ng --voices=variant`) that sound like a person. Left out: robots and effects (Demonic,
# robosoft*, UniRobot, anikaRobot, RicishayMax*, Storm, Tweaky, announcer, croak, whisper, whisperf, fast,
# kaukovalta, AnxiousAndy, "Mr serious"), near-duplicates (iven2-4, edward2, Gene2) and caleb / klatt6, which
# synthesize exactly like klatt.
VARIANTS = (
    "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8",
    "f1", "f2", "f3", "f4", "f5",
    "Alex", "Alicia", "Andrea", "Andy", "Annie", "adam", "antonio", "aunty", "belinda", "benjamin", "boris",
    "david", "Denis", "Diogo", "ed", "edward", "Gene", "grandma", "grandpa", "gustave", "Henrique", "Hugo", "iven",
    "Jacky", "john", "klatt", "klatt2", "klatt3", "klatt4", "klatt5", "Lee", "linda", "marcelo", "Marco", "Mario",
    "max", "Michael", "michel", "miguel", "Mike", "Nguyen", "norbert", "pablo", "paul", "pedro", "quincy", "rob",
    "robert", "sandro", "shelby", "steph", "steph2", "steph3", "travis", "victor", "zac", "anika",
)  # fmt: skip
TEST_ACCENTS = ("en-gb-scotland",)
TEST_VARIANTS = ("m6", "f4", "belinda", "john", "klatt4", "Nguyen", "grandma")
VALIDATION_VARIANTS = ("m3", "f2", "Annie", "david", "klatt2", "Hugo")

RATE_RANGE = (130, 220)  # words per minute (espeak-ng -s)
PITCH_RANGE = (30, 70)  # espeak-ng -p, 0-99 around the variant's own pitch
SPEAKERS_PER_VOICE = 2
MAX_SILENCE_SECONDS = 0.3
MAX_WORDS = 25
EXTRA_TEXT_PROBABILITY = 0.5

COMMON_VOCABULARY_SIZE = 3_000
BROAD_VOCABULARY_SIZE = 50_000
# Words espeak-ng reads as something else ("etc" → "et cetera"), so their transcript would not match the audio.
_UNSPOKEN_AS_WRITTEN = {"etc", "dept", "eg", "ie", "approx", "govt", "vs", "mr", "mrs", "ms", "dr", "st", "jr", "sr"}

ADJECTIVES = (
    "old", "young", "big", "small", "red", "blue", "green", "yellow", "black", "white", "quiet", "loud", "happy",
    "angry", "tired", "clever", "strange", "bright", "dark", "heavy", "light", "empty", "warm", "cold", "wet", "dry",
    "brave", "gentle", "busy", "lazy", "curious", "ancient", "modern", "wooden", "golden", "broken", "famous",
    "hidden", "careful", "sudden", "simple", "difficult", "narrow", "wide", "tall", "short", "friendly", "polite",
    "noisy", "silent", "fresh", "rotten", "sharp", "smooth", "rough", "shiny", "dusty", "frozen", "hungry", "lucky",
)  # fmt: skip
NOUNS = (
    "dog", "cat", "horse", "bird", "fish", "farmer", "teacher", "doctor", "child", "driver", "king", "queen",
    "soldier", "sailor", "student", "baker", "singer", "painter", "neighbor", "stranger", "box", "table", "window",
    "door", "book", "letter", "bottle", "basket", "chair", "lamp", "river", "mountain", "forest", "garden", "bridge",
    "village", "city", "market", "station", "kitchen", "island", "castle", "road", "train", "ship", "car", "bicycle",
    "phone", "computer", "camera", "clock", "key", "map", "coat", "hat", "shoe", "apple", "bread", "cheese", "coffee",
    "water", "music", "story", "song", "picture", "question", "answer", "problem", "idea", "message", "machine",
    "engine", "wheel", "rope", "stone", "candle", "mirror", "pencil", "ladder", "bucket", "blanket", "umbrella",
    "jacket", "wallet", "ticket", "envelope", "package", "tower", "museum", "hospital", "library", "office", "harbor",
)  # fmt: skip
VERBS_PAST = (
    "saw", "found", "lost", "carried", "pushed", "pulled", "opened", "closed", "painted", "repaired", "sold",
    "bought", "borrowed", "stole", "followed", "watched", "heard", "washed", "cleaned", "dropped", "threw", "caught",
    "built", "broke", "moved", "hid", "chased", "visited", "noticed", "counted", "described", "ignored", "admired",
    "measured", "wrapped", "delivered", "forgot", "remembered", "touched", "lifted",
)  # fmt: skip
VERBS_BASE = (
    "open", "close", "take", "bring", "find", "carry", "clean", "paint", "move", "check", "fix", "hold", "show",
    "read", "write", "count", "wash", "follow", "watch", "call", "describe", "measure", "wrap", "deliver", "lift",
    "push", "pull", "sell", "buy", "borrow", "remember", "forget", "hide", "build", "visit",
)  # fmt: skip
ADVERBS = (
    "quickly", "slowly", "quietly", "carefully", "suddenly", "finally", "happily", "rarely", "often", "never",
    "always", "almost", "nearly", "probably", "certainly", "gently", "badly", "easily", "loudly", "early",
)  # fmt: skip
NAMES = (
    "anna", "peter", "maria", "john", "sarah", "david", "emma", "james", "lucy", "thomas", "olivia", "michael",
    "sophia", "daniel", "grace", "robert", "alice", "william", "chloe", "henry", "isabel", "oscar", "nora", "victor",
    "helen", "samuel", "ruth", "george", "julia", "frank", "amir", "priya", "chen", "yuki", "kwame", "fatima",
)  # fmt: skip
PLACES = (
    "london", "paris", "tokyo", "chicago", "boston", "berlin", "madrid", "dublin", "toronto", "sydney", "cairo",
    "mexico", "india", "china", "canada", "brazil", "kenya", "norway", "italy", "spain", "the city", "the village",
    "the market", "the station", "the school", "the office", "the hospital", "the beach", "the park", "the museum",
)  # fmt: skip
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December",
)  # fmt: skip

TEMPLATES = (
    "the {adj} {noun} {verb_past} the {noun2}",
    "a {adj} {noun} {verb_past} {name} near the {noun2}",
    "{name} {verb_past} the {adj} {noun} {adv}",
    "{name} and {name2} {verb_past} a {noun} in {place}",
    "yesterday the {noun} {verb_past} the {adj} {noun2}",
    "the {noun} was {adj} and the {noun2} was {adj2}",
    "i think the {noun} is too {adj} for the {noun2}",
    "we {adv} {verb_base} the {noun} before dinner",
    "there is a {adj} {noun} behind the {noun2}",
    "my {noun} is {adj} but your {noun2} is {adj2}",
    "nobody {verb_past} the {noun} until {name} came back from {place}",
    "after the storm the {adj} {noun} {verb_past} the {noun2}",
    "did the {adj} {noun} {verb_base} the {noun2}?",
    "where did {name} {verb_base} the {noun}?",
    "why is the {noun} so {adj} today?",
    "have you seen my {adj} {noun}?",
    "who {verb_past} the {noun} in {place}?",
    "can you {verb_base} the {noun} for me?",
    "how long will it take to {verb_base} the {noun}?",
    "is the {noun} {adj} or {adj2}?",
    "please {verb_base} the {adj} {noun}.",
    "{verb_base} the {noun} and {verb_base2} the {noun2}!",
    "don't {verb_base} the {noun} {adv}!",
    "{name}, {verb_base} the {noun} now.",
    "let's {verb_base} the {noun} before we go to {place}.",
    "please say the word {word}.",
    "the next word is {word}.",
    "{word} is not a word i use every day",
    "she wrote {word} and {word2} on the {noun}",
    "{name} said that the {noun} was {adj}.",
)


@dataclass(frozen=True)
class SpeakerConfig:
    """One synthetic speaker: an espeak-ng accent and voice variant, speaking at a fixed rate and pitch."""

    accent: str
    variant: str
    rate: int
    pitch: int

    @property
    def voice(self) -> str:
        """The espeak-ng `-v` argument."""
        return f"{self.accent}+{self.variant}"

    @property
    def name(self) -> str:
        return f"{self.accent}+{self.variant}_s{self.rate}_p{self.pitch}"


def voice_split(accent: str, variant: str) -> str:
    """The split a voice belongs to. Test is checked first, so a test voice is never validation or train."""
    if accent in TEST_ACCENTS or variant in TEST_VARIANTS:
        return "test"
    if variant in VALIDATION_VARIANTS:
        return "validation"
    return "train"


def split_voices(split: str) -> list[tuple[str, str]]:
    """All (accent, variant) voices of a split, in a fixed order."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    return [(accent, variant) for accent in ACCENTS for variant in VARIANTS if voice_split(accent, variant) == split]


def speaker_pool(split: str, seed: int = 0, speakers_per_voice: int = SPEAKERS_PER_VOICE) -> list[SpeakerConfig]:
    """The speakers of a split: each of its voices at `speakers_per_voice` rates and pitches drawn from `seed`."""
    speakers = []
    for accent, variant in split_voices(split):
        rng = _rng(seed, "speaker", accent, variant)
        for _ in range(speakers_per_voice):
            rate, pitch = rng.randint(*RATE_RANGE), rng.randint(*PITCH_RANGE)
            speakers.append(SpeakerConfig(accent=accent, variant=variant, rate=rate, pitch=pitch))
    return speakers


def _rng(*parts: object) -> random.Random:
    """A random generator seeded by a hash of `parts`: independent streams per utterance, stable across runs."""
    digest = hashlib.sha256("/".join(str(part) for part in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


# ---------------------------------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------------------------------


def _is_speakable_word(word: str) -> bool:
    """Plain words espeak-ng reads as written: letters (and a contraction), a vowel, no roman numeral."""
    if not re.fullmatch(r"[a-z]+('(s|t|re|ve|ll|d|m))?", word):
        return False
    if len(word) == 1:
        return word in ("a", "i")
    if word in _UNSPOKEN_AS_WRITTEN or re.fullmatch(r"[ivx]+", word):  # "vi" can be read as "roman six"
        return False
    return bool(re.search(r"[aeiouy]", word))  # without a vowel espeak-ng spells the word out


@functools.lru_cache(maxsize=None)
def vocabulary(size: int) -> tuple[str, ...]:
    """The `size` most frequent English words of `wordfreq`, keeping only plain speakable words."""
    import wordfreq

    return tuple(word for word in wordfreq.top_n_list("en", size) if _is_speakable_word(word))


def _random_words(rng: random.Random, broad_fraction: float) -> str:
    """A random word sequence: common words, each replaced by a rarer one with probability `broad_fraction`."""
    common, broad = vocabulary(COMMON_VOCABULARY_SIZE), vocabulary(BROAD_VOCABULARY_SIZE)
    shortest, longest = rng.choice(((1, 4), (3, 12), (8, MAX_WORDS)))  # short, medium and long utterances alike
    length = rng.randint(shortest, longest)
    return " ".join(rng.choice(broad if rng.random() < broad_fraction else common) for _ in range(length))


def _template_sentence(rng: random.Random) -> str:
    """A sentence, question or command from `TEMPLATES` with random words in its slots."""
    broad = vocabulary(BROAD_VOCABULARY_SIZE)
    slots = {
        "adj": rng.choice(ADJECTIVES),
        "adj2": rng.choice(ADJECTIVES),
        "noun": rng.choice(NOUNS),
        "noun2": rng.choice(NOUNS),
        "verb_past": rng.choice(VERBS_PAST),
        "verb_base": rng.choice(VERBS_BASE),
        "verb_base2": rng.choice(VERBS_BASE),
        "adv": rng.choice(ADVERBS),
        "name": rng.choice(NAMES),
        "name2": rng.choice(NAMES),
        "place": rng.choice(PLACES),
        "word": rng.choice(broad),
        "word2": rng.choice(broad),
    }
    return rng.choice(TEMPLATES).format(**slots)


def _random_number(rng: random.Random) -> int:
    """Mostly small numbers, sometimes up to millions: the number of digits is uniform."""
    digits = rng.randint(1, 7)
    return rng.randint(10 ** (digits - 1) if digits > 1 else 0, 10**digits - 1)


def _number_phrase(rng: random.Random) -> str:
    """A phrase with a cardinal, ordinal, digit string, date, time, amount of money, percentage, year or decimal.

    Written with digits and symbols, the way text is found; `normalize_transcript` then spells it out.
    """
    noun, name = rng.choice(NOUNS), rng.choice(NAMES)
    kind = rng.choice(
        ("cardinal", "cardinal_commas", "ordinal", "digits", "phone", "date", "time", "money", "percent", "year",
         "decade", "decimal")
    )  # fmt: skip
    if kind == "cardinal":
        return rng.choice((f"there were {_random_number(rng)} of them", f"{name} counted {_random_number(rng)}",
                           f"the answer is {_random_number(rng)}", f"{_random_number(rng)}"))  # fmt: skip
    if kind == "cardinal_commas":
        return f"the city has {rng.randint(1_000, 99_999_999):,} people"
    if kind == "ordinal":
        number = rng.choice((rng.randint(1, 31), rng.randint(1, 200)))
        suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
        return f"this is the {number}{suffix} {noun}"
    if kind == "digits":
        code = " ".join(str(rng.randint(0, 9)) for _ in range(rng.randint(3, 8)))
        return f"my code is {code}"
    if kind == "phone":
        return f"call me at {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
    if kind == "date":
        month, day, year = rng.choice(MONTHS), rng.randint(1, 28), rng.randint(1700, 2099)
        return rng.choice((f"it happened on {month} {day}, {year}", f"the letter is dated {month} {day}th",
                           f"we met in {month} {year}"))  # fmt: skip
    if kind == "time":
        hour, minute = rng.randint(1, 12), rng.choice((0, 5, 15, 30, 45, rng.randint(0, 59)))
        return rng.choice((f"meet me at {hour}:{minute:02d}", f"the train leaves at {hour}:{minute:02d} pm",
                           f"wake me at {hour} am"))  # fmt: skip
    if kind == "money":
        currency = rng.choice(("$", "$", "£", "€"))
        return rng.choice((f"it costs {currency}{rng.randint(1, 999)}.{rng.randint(0, 99):02d}",
                           f"the {noun} was {currency}{rng.randint(1, 5000):,}",
                           f"they raised {currency}{rng.randint(1, 99)} million"))  # fmt: skip
    if kind == "percent":
        return f"about {rng.randint(1, 100)}% of the {noun}s were {rng.choice(ADJECTIVES)}"
    if kind == "year":
        return f"{name} was born in {rng.randint(1000, 2099)}"
    if kind == "decade":
        return f"it was popular in the {rng.randint(190, 202) * 10}s"
    return f"the {noun} weighs {rng.randint(0, 99)}.{rng.randint(1, 99)} kilograms"


_GENERATORS = (
    (_template_sentence, 0.35),
    (functools.partial(_random_words, broad_fraction=0.0), 0.15),
    (functools.partial(_random_words, broad_fraction=0.35), 0.3),
    (_number_phrase, 0.2),
)


def generate_sentence(rng: random.Random, extra_texts: Sequence[str] | None = None) -> str:
    """One normalized transcript of 1 to `MAX_WORDS` words, drawn with `rng`.

    With `extra_texts`, half of the sentences come from them (cut to `MAX_WORDS` words); the rest come from templates,
    number phrases and random words.
    """
    for _ in range(100):
        if extra_texts and rng.random() < EXTRA_TEXT_PROBABILITY:
            text = rng.choice(extra_texts)
        else:
            generators, weights = zip(*_GENERATORS)
            text = rng.choices(generators, weights=weights)[0](rng)
        words = normalize_transcript(text).split()[:MAX_WORDS]
        if words:
            return " ".join(words)
    raise ValueError("could not generate a non-empty sentence; are the extra texts all empty after normalization?")


def generate_sentences(n: int, seed: int = 0, extra_texts: Sequence[str] | None = None) -> list[str]:
    """`n` normalized transcripts; sentence `i` depends only on `(seed, i)`."""
    return [generate_sentence(_rng(seed, "sentence", index), extra_texts) for index in range(n)]


def read_text_file(path: str | os.PathLike) -> list[str]:
    """Sentences from a text file: one per line, or the last column of a `|`-separated LJSpeech `metadata.csv`."""
    sentences = []
    with open(path, encoding="utf-8") as file:
        for line in file:
            sentence = line.rstrip("\n").split("|")[-1].strip()
            if sentence:
                sentences.append(sentence)
    return sentences


def split_extra_texts(texts: Sequence[str]) -> dict[str, list[str]]:
    """Assign each extra text to one split (90 / 5 / 5 %) by a hash of its words, so no sentence is in two splits."""
    splits = {split: [] for split in SPLITS}
    for text in texts:
        bucket = int(hashlib.sha256(normalize_transcript(text).encode()).hexdigest(), 16) % 100
        splits["test" if bucket >= 95 else "validation" if bucket >= 90 else "train"].append(text)
    return splits


# ---------------------------------------------------------------------------------------------------------------------
# Speech
# ---------------------------------------------------------------------------------------------------------------------


def _run_espeak(arguments: list[str], text: str) -> bytes:
    """Run espeak-ng with `text` on stdin (never parsed as options) and return its stdout."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng was not found on PATH; install espeak-ng: apt-get install espeak-ng")
    result = subprocess.run(["espeak-ng", *arguments], input=text.encode("utf-8"), capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"espeak-ng {' '.join(arguments)} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout


def spell_out_letter_words(text: str, speaker: SpeakerConfig) -> str:
    """Write words that espeak-ng reads letter by letter ("nba", "usa") as letters ("n b a"), so text matches audio.

    espeak-ng spells out acronyms it knows and words it cannot pronounce; its `-X` trace says which. The letters,
    spoken one by one, sound the same as the spelled-out word.
    """
    trace = _run_espeak(["-q", "-X", "-v", speaker.voice], text).decode("utf-8", errors="replace")
    spelled = _spelled_out_words(trace)
    words = [" ".join(char for char in word if char.isalpha()) if word in spelled else word for word in text.split()]
    return " ".join(words)


_TRACE_WORD = re.compile(r"^(?:Unpronouncable\? '(?P<word>.+)'|Flags:\s+(?P<abbreviation>\S+)\s.*\$abbrev)")
_TRACE_LETTER = re.compile(r"^Found: '_?(?P<letter>[a-z])' ")


def _spelled_out_words(trace: str) -> set[str]:
    """Words of an espeak-ng `-X` trace that are looked up letter by letter right after being flagged."""
    lines = trace.splitlines()
    spelled = set()
    for line, next_line in zip(lines, lines[1:]):
        word_match, letter_match = _TRACE_WORD.match(line), _TRACE_LETTER.match(next_line)
        if word_match and letter_match:
            word = word_match["word"] or word_match["abbreviation"]
            if word.startswith(letter_match["letter"]):
                spelled.add(word)
    return spelled


def synthesize(text: str, speaker: SpeakerConfig) -> np.ndarray:
    """Speak `text` with espeak-ng and return float32 mono audio at 16 kHz.

    espeak-ng writes 22,050 Hz WAV; torchcodec (FFmpeg) decodes and resamples it, the same decoder `datasets` uses.
    """
    from torchcodec.decoders import AudioDecoder

    arguments = ["-v", speaker.voice, "-s", str(speaker.rate), "-p", str(speaker.pitch), "--stdout"]
    wav_bytes = _run_espeak(arguments, text)
    samples = AudioDecoder(wav_bytes, sample_rate=SAMPLING_RATE).get_all_samples()
    return samples.data.mean(dim=0).numpy().astype(np.float32)


def trim_silence(audio: np.ndarray, threshold: float = 0.02) -> np.ndarray:
    """Cut leading and trailing samples quieter than `threshold` × the peak (espeak-ng pads its output)."""
    loud = np.flatnonzero(np.abs(audio) > threshold * np.abs(audio).max())
    return audio[loud[0] : loud[-1] + 1] if len(loud) else audio


def synthesize_with_word_times(
    words: Sequence[str], speaker: SpeakerConfig, pause_seconds: float = 0.3
) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """Speak each word alone (silence trimmed) and join them with `pause_seconds` of silence, so every word's start
    and end time is known exactly: ground truth for timestamp tests. Returns the audio and (word, start, end) in s."""
    pause = np.zeros(round(pause_seconds * SAMPLING_RATE), dtype=np.float32)
    pieces, times, position = [pause], [], len(pause)
    for word in words:
        audio = trim_silence(synthesize(word, speaker))
        times.append((word, position / SAMPLING_RATE, (position + len(audio)) / SAMPLING_RATE))
        pieces += [audio, pause]
        position += len(audio) + len(pause)
    return np.concatenate(pieces), times


def word_time_errors(
    chunks: Sequence[dict], truth: Sequence[tuple[str, float, float]]
) -> list[tuple[float, float]]:
    """|start error| and |end error| in seconds of each recognized word (an ASR pipeline `chunks` entry with "text"
    and "timestamp") that matches a spoken word of `truth`, matched in order; misrecognized words are left out."""
    import difflib

    recognized, spoken = [chunk["text"] for chunk in chunks], [word for word, _, _ in truth]
    errors = []
    for block in difflib.SequenceMatcher(a=recognized, b=spoken, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            (start, end), (_, true_start, true_end) = chunks[block.a + k]["timestamp"], truth[block.b + k]
            errors.append((abs(start - true_start), abs(end - true_end)))
    return errors


def _pad_with_silence(audio: np.ndarray, leading_seconds: float, trailing_seconds: float) -> np.ndarray:
    leading = np.zeros(round(leading_seconds * SAMPLING_RATE), dtype=np.float32)
    trailing = np.zeros(round(trailing_seconds * SAMPLING_RATE), dtype=np.float32)
    return np.concatenate([leading, audio, trailing])


# ---------------------------------------------------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------------------------------------------------

# Set in every worker by `_init_worker`: what each utterance needs besides its (split, index).
_WORKER_STATE: dict = {}


def _init_worker(output_dir: str, seed: int, pools: dict, extra_texts: dict) -> None:
    _WORKER_STATE.update(output_dir=output_dir, seed=seed, pools=pools, extra_texts=extra_texts)


def _make_utterance(job: tuple[str, int]) -> dict:
    """Generate, speak and write utterance `index` of `split`; return its metadata row."""
    split, index = job
    state = _WORKER_STATE
    rng = _rng(state["seed"], split, index)
    speaker = rng.choice(state["pools"][split])
    text = spell_out_letter_words(generate_sentence(rng, state["extra_texts"][split]), speaker)
    audio = synthesize(text, speaker)
    audio = _pad_with_silence(audio, rng.uniform(0, MAX_SILENCE_SECONDS), rng.uniform(0, MAX_SILENCE_SECONDS))
    audio = np.clip(audio, -1.0, 1.0)
    file_name = f"{split}_{index:07d}.wav"
    sf.write(Path(state["output_dir"], split, file_name), audio, SAMPLING_RATE, subtype="PCM_16")
    return {
        "file_name": file_name,
        "text": text,
        "speaker": speaker.name,
        "accent": speaker.accent,
        "variant": speaker.variant,
        "rate": speaker.rate,
        "pitch": speaker.pitch,
        "duration": f"{len(audio) / SAMPLING_RATE:.3f}",
    }


def _write_metadata(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=METADATA_COLUMNS, lineterminator="\n")
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

    Returns:
        A summary: per split the number of utterances, speakers used and hours of audio.
    """
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

    pools = {split: speaker_pool(split, seed) for split in SPLITS}
    texts = split_extra_texts(extra_texts or [])
    jobs = [(split, index) for split in SPLITS for index in range(counts[split])]
    init_args = (str(output_dir), seed, pools, texts)

    rows = []
    num_workers = num_workers or os.cpu_count() or 1
    with tqdm(total=len(jobs), desc="synthesizing", unit="utt") as progress:
        if num_workers == 1:
            _init_worker(*init_args)
            for job in jobs:
                rows.append(_make_utterance(job))
                progress.update(1)
        else:
            # "spawn", not "fork": a process forked after torch or FFmpeg started threads can deadlock on their locks.
            context = multiprocessing.get_context("spawn")
            with context.Pool(num_workers, initializer=_init_worker, initargs=init_args) as pool:
                for row in pool.imap(_make_utterance, jobs, chunksize=4):
                    rows.append(row)
                    progress.update(1)

    summary = {"output_dir": str(output_dir), "seed": seed, "splits": {}}
    for split in SPLITS:
        split_rows = [row for row in rows if row["file_name"].startswith(f"{split}_")]
        if split_rows:
            _write_metadata(output_dir / split / "metadata.csv", split_rows)
        seconds = sum(float(row["duration"]) for row in split_rows)
        summary["splits"][split] = {
            "utterances": len(split_rows),
            "speakers": len({row["speaker"] for row in split_rows}),
            "hours": round(seconds / 3600, 4),
        }
    return summary


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate a synthetic English speech corpus with espeak-ng.")
    parser.add_argument("--output_dir", required=True, help="audiofolder to write (train/, validation/, test/)")
    parser.add_argument("--num_train", type=int, default=10_000)
    parser.add_argument("--num_validation", type=int, default=500)
    parser.add_argument("--num_test", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--text_file", help="extra sentences: one per line, or an LJSpeech-style metadata.csv (last | column)"
    )
    parser.add_argument("--num_workers", type=int, default=None, help="defaults to the number of CPU cores")
    parser.add_argument("--overwrite", action="store_true", help="replace existing split folders")
    args = parser.parse_args(argv)

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
    )
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
