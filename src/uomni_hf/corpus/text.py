"""Sentences for the synthetic corpus: templates, number phrases and random words, normalized like any transcript.

Every sentence is drawn from a `random.Random` seeded by a hash of `(seed, ..., index)` (`_rng`), so sentence `i` of a
build depends on nothing but its seed and index. Extra texts (LJ Speech sentences, say) are mixed into half of the
sentences; `split_extra_texts` puts each in one split so no sentence is in two.
"""

import csv
import functools
import hashlib
import lzma
import os
import random
import re
from collections.abc import Sequence
from pathlib import Path

from ..text_normalization import normalize_transcript


SPLITS = ("train", "validation", "test")
MAX_WORDS = 25
EXTRA_TEXT_PROBABILITY = 0.5
# LJ Speech chapters kept for evaluation: `read_text_file` drops their lines, so no build speaks them.
RESERVED_LJ_CHAPTERS = ("LJ001", "LJ002", "LJ003")

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

# Short utterances (`short_utterance`): words people say alone to a device, and commands of two to four words.
COMMAND_WORDS = (
    "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "back", "next", "previous", "play",
    "pause", "cancel", "okay", "help", "start", "open", "close", "forward", "backward", "follow", "wait", "again",
    "repeat", "enter", "exit", "menu", "home", "call", "send", "save", "delete", "undo", "louder", "quieter", "faster",
    "slower", "hello", "goodbye", "thanks", "please", "sorry", "maybe", "done", "ready", "skip", "search", "zero",
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "hundred", "first", "second",
    "third", "last", "today", "tomorrow", "yesterday", "morning", "evening", "north", "south", "east", "west",
)  # fmt: skip
DIRECTIONS = ("up", "down", "left", "right", "back", "forward", "home", "north", "south", "east", "west")
SHORT_TEMPLATES = (
    "go {direction}",
    "turn {direction}",
    "move {direction}",
    "turn it {on_off}",
    "turn {on_off} the {noun}",
    "switch {on_off}",
    "volume {up_down}",
    "scroll {up_down}",
    "{verb_base} the {noun}",
    "{verb_base} it",
    "{verb_base} it {adv}",
    "please {verb_base} it",
    "call {name}",
    "message {name}",
    "find {place}",
    "the {adj} {noun}",
    "a {noun}",
    "{adj} {noun}",
    "{name}",
    "{name} {name2}",
    "yes please",
    "no thanks",
    "not now",
    "next one",
    "go back",
    "stop it",
    "that's right",
    "say it again",
    "what time is it",
    "where is {name}",
    "is it {adj}",
    "open the {noun}",
    "close the {noun}",
)


def _rng(*parts: object) -> random.Random:
    """A random generator seeded by a hash of `parts`: independent streams per utterance, stable across runs."""
    digest = hashlib.sha256("/".join(str(part) for part in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))



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


def _slots(rng: random.Random) -> dict[str, str]:
    """A random word for each slot of `TEMPLATES`, drawn in a fixed order: the test sets' sentences depend on it."""
    broad = vocabulary(BROAD_VOCABULARY_SIZE)
    return {
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


def _template_sentence(rng: random.Random) -> str:
    """A sentence, question or command from `TEMPLATES` with random words in its slots."""
    slots = _slots(rng)  # before the template, as the corpora built so far drew them
    return rng.choice(TEMPLATES).format(**slots)


def short_utterance(rng: random.Random) -> str:
    """What a user says alone: a word (a command word or a common one), a digit string or number, or a two-to-four
    word command; AN4's real ones taught the model short utterances, these bring many voices to them."""
    draw = rng.random()
    if draw < 0.4:
        return rng.choice(COMMAND_WORDS if rng.random() < 0.5 else vocabulary(COMMON_VOCABULARY_SIZE))
    if draw < 0.6:
        if rng.random() < 0.5:
            return " ".join(str(rng.randint(0, 9)) for _ in range(rng.randint(2, 7)))
        return str(rng.choice((rng.randint(0, 20), rng.randint(21, 99), rng.randint(100, 9999))))
    template = rng.choice(SHORT_TEMPLATES)
    return template.format(
        **_slots(rng),
        on_off=rng.choice(("on", "off")),
        up_down=rng.choice(("up", "down")),
        direction=rng.choice(DIRECTIONS),
    )


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


# Kind of sentence -> (generator, probability); the kind names the WER breakdown of benchmarks/eval_sentence_kinds.py.
_GENERATORS = {
    "template": (_template_sentence, 0.35),
    "random_common_words": (functools.partial(_random_words, broad_fraction=0.0), 0.15),
    "random_broad_words": (functools.partial(_random_words, broad_fraction=0.35), 0.3),
    "number": (_number_phrase, 0.2),
}
SENTENCE_KINDS = (*_GENERATORS, "extra_text", "short")


def generate_sentence(rng: random.Random, extra_texts: Sequence[str] | None = None, short: bool = False) -> str:
    """One normalized transcript of 1 to `MAX_WORDS` words, drawn with `rng`.

    With `extra_texts`, half of the sentences come from them (cut to `MAX_WORDS` words); the rest come from templates,
    number phrases and random words. With `short`, every one is a `short_utterance` (extra texts unused).
    """
    return generate_sentence_and_kind(rng, extra_texts, short)[0]


def generate_sentence_and_kind(
    rng: random.Random, extra_texts: Sequence[str] | None = None, short: bool = False
) -> tuple[str, str]:
    """`generate_sentence` and the kind of sentence it drew (one of `SENTENCE_KINDS`), for per-kind evaluation."""
    for _ in range(100):
        if short:
            kind, text = "short", short_utterance(rng)
        elif extra_texts and rng.random() < EXTRA_TEXT_PROBABILITY:
            kind, text = "extra_text", rng.choice(extra_texts)
        else:
            kind = rng.choices(list(_GENERATORS), weights=[weight for _, weight in _GENERATORS.values()])[0]
            text = _GENERATORS[kind][0](rng)
        words = normalize_transcript(text).split()[:MAX_WORDS]
        if words:
            return " ".join(words), kind
    raise ValueError("could not generate a non-empty sentence; are the extra texts all empty after normalization?")


def generate_sentences(
    n: int, seed: int = 0, extra_texts: Sequence[str] | None = None, short: bool = False
) -> list[str]:
    """`n` normalized transcripts; sentence `i` depends only on `(seed, i)`."""
    return [generate_sentence(_rng(seed, "sentence", index), extra_texts, short) for index in range(n)]



def read_text_file(path: str | os.PathLike) -> list[str]:
    """Sentences from a text file (`.xz`-compressed too): one per line, or the last column of a `|`-separated
    LJSpeech `metadata.csv`.

    Lines of an LJSpeech file whose id is in one of `RESERVED_LJ_CHAPTERS` (LJ001-LJ003, kept for evaluation) are left
    out.
    """
    sentences = []
    opener = lzma.open if str(path).endswith(".xz") else open
    with opener(path, "rt", encoding="utf-8") as file:
        for line in file:
            fields = line.rstrip("\n").split("|")
            if len(fields) > 1 and _is_reserved_lj_id(fields[0]):
                continue
            sentence = fields[-1].strip()
            if sentence:
                sentences.append(sentence)
    return sentences


TRANSCRIPT_COLUMNS = ("text", "transcription", "sentence")


def read_metadata_transcripts(path: str | os.PathLike) -> list[str]:
    """Transcripts of an audiofolder split, as written: its `metadata.csv` (or the split folder holding it), column
    `text`, `transcription` or `sentence`."""
    path = Path(path)
    metadata = path / "metadata.csv" if path.is_dir() else path
    if not metadata.is_file():
        raise FileNotFoundError(f"no metadata.csv at {path}: expected an audiofolder split or its metadata.csv")
    with open(metadata, encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        column = next((name for name in TRANSCRIPT_COLUMNS if name in (reader.fieldnames or [])), None)
        if column is None:
            raise ValueError(f"{metadata} has none of the transcript columns {TRANSCRIPT_COLUMNS}: {reader.fieldnames}")
        return [row[column] for row in reader]


def _is_reserved_lj_id(utterance_id: str) -> bool:
    """Whether an LJ Speech id ("LJ001-0001") is in a chapter kept for evaluation."""
    return utterance_id.strip().upper().split("-")[0] in RESERVED_LJ_CHAPTERS


def split_extra_texts(texts: Sequence[str]) -> dict[str, list[str]]:
    """Assign each extra text to one split (90 / 5 / 5 %) by a hash of its words, so no sentence is in two splits."""
    splits = {split: [] for split in SPLITS}
    for text in texts:
        bucket = int(hashlib.sha256(normalize_transcript(text).encode()).hexdigest(), 16) % 100
        splits["test" if bucket >= 95 else "validation" if bucket >= 90 else "train"].append(text)
    return splits
