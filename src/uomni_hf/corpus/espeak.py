"""The espeak-ng engine of the synthetic corpus: English accents, voice variants, and speakers held out per split.

`espeak-ng` speaks any text in several English accents and dozens of voice variants. Voices (an accent plus a
variant) are held out whole, so validation and test measure generalization to unseen voices:

- test: every voice of the `en-gb-scotland` accent, plus the variants in `TEST_VARIANTS` in every accent;
- validation: the variants in `VALIDATION_VARIANTS` in the remaining accents;
- train: everything else.
"""

import re
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np

from .text import SPLITS, _rng


SAMPLING_RATE = 16000

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


def _run_espeak(arguments: list[str], text: str) -> bytes:
    """Run espeak-ng with `text` on stdin (never parsed as options) and return its stdout."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng was not found on PATH; install espeak-ng: apt-get install espeak-ng")
    result = subprocess.run(["espeak-ng", *arguments], input=text.encode("utf-8"), capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"espeak-ng {' '.join(arguments)} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout


def spell_out_letter_words(text: str, speaker: SpeakerConfig | str) -> str:
    """Write words that espeak-ng reads letter by letter ("nba", "usa") as letters ("n b a"), so text matches audio.

    espeak-ng spells out acronyms it knows and words it cannot pronounce; its `-X` trace says which. The letters,
    spoken one by one, sound the same as the spelled-out word. `speaker` is a speaker or an espeak-ng voice name
    ("en-us"): Kokoro phonemizes its text with espeak-ng too, so the same words are spelled out there.
    """
    voice = speaker if isinstance(speaker, str) else speaker.voice
    trace = _run_espeak(["-q", "-X", "-v", voice], text).decode("utf-8", errors="replace")
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

    espeak-ng writes 22,050 Hz WAV, which `decode_to_16k` resamples.
    """
    arguments = ["-v", speaker.voice, "-s", str(speaker.rate), "-p", str(speaker.pitch), "--stdout"]
    return decode_to_16k(_run_espeak(arguments, text))


def decode_to_16k(encoded: bytes) -> np.ndarray:
    """An encoded file (WAV, ...) as float32 mono audio at `SAMPLING_RATE`, decoded and resampled by FFmpeg through
    torchcodec, the decoder `datasets` uses."""
    from torchcodec.decoders import AudioDecoder

    samples = AudioDecoder(encoded, sample_rate=SAMPLING_RATE).get_all_samples()
    return samples.data.mean(dim=0).numpy().astype(np.float32)


def trim_silence(audio: np.ndarray, threshold: float = 0.02) -> np.ndarray:
    """Cut leading and trailing samples quieter than `threshold` × the peak (espeak-ng pads its output)."""
    loud = np.flatnonzero(np.abs(audio) > threshold * np.abs(audio).max())
    return audio[loud[0] : loud[-1] + 1] if len(loud) else audio
