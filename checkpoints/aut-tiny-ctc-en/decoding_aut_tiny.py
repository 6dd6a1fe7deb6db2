"""Beam search over AuT-Tiny's CTC logits with a word n-gram language model.

The search is flashlight-text's lexicon-free CTC decoder (C++; the decoder behind torchaudio's `ctc_decoder`), so any
spelling the acoustic model makes can come out, words the language model never saw included. The language model is
a KenLM word n-gram, scored the way pyctcdecode scores one over sub-word pieces: a word is scored when the next word
begins (a piece starting with `▁`) or the utterance ends, a word the model does not know costs `unk_score_offset`,
and so does a partial word as soon as it is no prefix of a known word (refunded if the word becomes known again).

A folder keeps the language model in `language_model/` as Transformers' `Wav2Vec2ProcessorWithLM` folders do:
`attrs.json` (the decoding parameters), `unigrams.txt` (the vocabulary, one word per line) and the KenLM file
(`.bin`, or `.arpa`). flashlight-text is imported only when a language model is loaded (`pip install flashlight-text`,
the package's `lm` extra), so folders without one never need it.
"""

import functools
import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np


LANGUAGE_MODEL_DIR = "language_model"
ATTRS_FILE = "attrs.json"
UNIGRAMS_FILE = "unigrams.txt"
KENLM_SUFFIXES = (".bin", ".arpa")
WORD_START = "▁"
LN_10 = math.log(10.0)


# The numbers of `LMDecodingOptions` that are tuned on validation: `uomni-build-lm` takes each as a flag and
# benchmarks/eval_language_model.py searches a grid over them.
TUNABLE_OPTIONS = ("alpha", "beta", "beam_width", "token_beam_width", "beam_threshold", "unk_score_offset")


@dataclass
class LMDecodingOptions:
    """What `attrs.json` holds; each can also be overridden per call of `decode`/`decode_beams`."""

    alpha: float = 0.5  # language model weight, on natural-log probabilities
    beta: float = 1.0  # bonus per word: balances the LM's preference for few words
    unk_score_offset: float = -10.0  # per word (and partial word) the LM does not know
    beam_width: int = 64
    token_beam_width: int = 6  # pieces tried per hypothesis and frame, best acoustic scores first
    beam_threshold: float = 12.0  # hypotheses further than this (natural log) below the best are dropped
    hotwords: list[str] = field(default_factory=list)
    hotword_weight: float = 10.0  # bonus per hotword, which also never counts as unknown

    @classmethod
    def from_dict(cls, values: dict) -> "LMDecodingOptions":
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known - {"kenlm_file"}
        if unknown:
            raise ValueError(f"Unknown language-model decoding options {sorted(unknown)}; known: {sorted(known)}.")
        return cls(**{key: value for key, value in values.items() if key in known})

    def replace(self, **overrides) -> "LMDecodingOptions":
        return LMDecodingOptions.from_dict({**asdict(self), **{k: v for k, v in overrides.items() if v is not None}})


@dataclass
class LMDecodedBeam:
    """The best hypothesis: its frame-level CTC path (one id per frame, blanks and repeats kept, so the tokenizer
    turns it into text and word offsets exactly as it does a greedy path) and its two scores (natural log)."""

    path: list[int]
    logit_score: float
    lm_score: float


def _import_flashlight():
    try:
        from flashlight.lib.text import decoder as flashlight_decoder
        from flashlight.lib.text.decoder.kenlm import KenLM
        from flashlight.lib.text.dictionary import Dictionary
    except ImportError as error:
        raise ImportError(
            "Language-model decoding needs flashlight-text (`pip install flashlight-text`, or the `lm` extra of "
            f"uomni-hf): {error}"
        ) from error
    return flashlight_decoder, KenLM, Dictionary


def write_language_model_files(directory: Path, unigrams: list[str], options: LMDecodingOptions, kenlm_file: str):
    """`unigrams.txt` and `attrs.json` beside the KenLM file `directory/kenlm_file`."""
    (directory / UNIGRAMS_FILE).write_text("\n".join(unigrams) + "\n", encoding="utf-8")
    attrs = {**asdict(options), "kenlm_file": kenlm_file}
    (directory / ATTRS_FILE).write_text(json.dumps(attrs, indent=2) + "\n")


def find_kenlm_file(directory: Path, name: str | None = None) -> Path:
    if name is not None:
        path = directory / name
        if not path.is_file():
            raise ValueError(f"{directory / ATTRS_FILE} names the KenLM file {name!r}, which is not in {directory}.")
        return path
    candidates = sorted(p for p in directory.iterdir() if p.suffix in KENLM_SUFFIXES)
    if not candidates:
        raise ValueError(f"{directory} has no KenLM file (*.bin or *.arpa).")
    return candidates[0]


class AuTTinyLMDecoder:
    r"""
    CTC beam search with a KenLM word n-gram over the pieces of an [`AuTTinyTokenizer`].

    `decode(log_probs)` returns the best path; `decode_beams(logits)` answers as pyctcdecode's `decode_beams` does
    (`[(text, None, [(word, (start_frame, end_frame)), ...], logit_score, lm_score)]`), which is what
    `pipeline("automatic-speech-recognition", decoder=...)` calls.
    """

    def __init__(self, tokenizer, kenlm_path: str | Path, unigrams: list[str], options: LMDecodingOptions | None = None):
        decoder_module, KenLM, Dictionary = _import_flashlight()
        self._flashlight = decoder_module
        self.tokenizer = tokenizer
        self.kenlm_path = Path(kenlm_path)
        self.unigrams = sorted({word for word in unigrams if word and word not in ("<s>", "</s>", "<unk>")})
        if not self.unigrams:
            raise ValueError("The language model's unigram list is empty.")
        self.options = options or LMDecodingOptions()
        self._words = Dictionary()
        for word in ["<unk>", "<s>", "</s>"] + self.unigrams:
            self._words.add_entry(word)
        try:
            self._kenlm = KenLM(str(self.kenlm_path), self._words)
        except Exception as error:  # KenLM reports format errors as RuntimeError with its own text
            raise ValueError(f"Could not load the KenLM file {self.kenlm_path}: {error}") from error
        self._known = set(self.unigrams)
        self._prefixes = {word[:end] for word in self.unigrams for end in range(1, len(word) + 1)}
        self._pieces = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
        self._special_ids = set(tokenizer.all_special_ids)
        self.blank_id = tokenizer.blank_token_id

    # ---- folders ------------------------------------------------------------------------------------------------

    @classmethod
    def from_dir(cls, directory: str | Path, tokenizer) -> "AuTTinyLMDecoder":
        """Load `directory` (a `language_model/` folder); a missing or broken file is a `ValueError` naming it."""
        directory = Path(directory)
        attrs_path, unigrams_path = directory / ATTRS_FILE, directory / UNIGRAMS_FILE
        for path in (attrs_path, unigrams_path):
            if not path.is_file():
                raise ValueError(f"The language model folder {directory} has no {path.name}.")
        try:
            attrs = json.loads(attrs_path.read_text())
        except json.JSONDecodeError as error:
            raise ValueError(f"{attrs_path} is not valid JSON: {error}") from error
        unigrams = unigrams_path.read_text(encoding="utf-8").split()
        kenlm_path = find_kenlm_file(directory, attrs.get("kenlm_file"))
        return cls(tokenizer, kenlm_path, unigrams, LMDecodingOptions.from_dict(attrs))

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / self.kenlm_path.name
        if target.resolve() != self.kenlm_path.resolve():
            target.write_bytes(self.kenlm_path.read_bytes())
        write_language_model_files(directory, self.unigrams, self.options, target.name)

    def __deepcopy__(self, memo) -> "AuTTinyLMDecoder":
        return self  # read-only after loading; the processor's `to_dict` deep-copies its attributes

    # ---- decoding -----------------------------------------------------------------------------------------------

    def decode(self, logits: np.ndarray, **overrides) -> LMDecodedBeam:
        """Best path for one utterance's `(frames, vocab)` logits (log-softmax is applied here)."""
        logits = np.asarray(logits, dtype=np.float32)
        if logits.ndim != 2 or logits.shape[1] != len(self._pieces):
            raise ValueError(
                f"Expected logits of shape (frames, {len(self._pieces)}) for one utterance, got {logits.shape}."
            )
        if not np.isfinite(logits).all():
            raise ValueError("The logits contain NaN or infinite values.")
        if logits.shape[0] == 0:
            return LMDecodedBeam(path=[], logit_score=0.0, lm_score=0.0)
        log_probs = logits - logits.max(axis=1, keepdims=True)
        log_probs = np.ascontiguousarray(log_probs - np.log(np.exp(log_probs).sum(axis=1, keepdims=True)))
        options = self.options.replace(**overrides)
        fl = self._flashlight
        scorer = _word_scorer_class(fl)(self, options)  # kept referenced: flashlight does not keep a Python LM alive
        search = fl.LexiconFreeDecoder(
            fl.LexiconFreeDecoderOptions(
                options.beam_width,
                min(options.token_beam_width, log_probs.shape[1]),
                options.beam_threshold,
                1.0,  # lm_weight: alpha and beta are applied inside the word scorer
                0.0,  # sil_score
                False,  # log_add: keep the best path, not the sum, so the path is the hypothesis
                fl.CriterionType.CTC,
            ),
            scorer,
            self.blank_id,  # "silence": pieces mark word starts themselves, there is no silence token
            self.blank_id,
            [],
        )
        frames, vocab = log_probs.shape
        result = search.decode(log_probs.ctypes.data, frames, vocab)[0]
        # flashlight's path has one entry for the start state before the frames and one for the end after them.
        path = list(result.tokens)[1 : frames + 1]
        return LMDecodedBeam(path=path, logit_score=float(result.emittingModelScore), lm_score=float(result.lmScore))

    def decode_beams(self, logits: np.ndarray, **overrides) -> list[tuple]:
        beam = self.decode(logits, **overrides)
        decoded = self.tokenizer.decode(beam.path, output_word_offsets=True)
        offsets = [(word["word"], (word["start_offset"], word["end_offset"])) for word in decoded.word_offsets]
        return [(decoded.text, None, offsets, beam.logit_score, beam.lm_score)]


@functools.cache
def _word_scorer_class(flashlight_decoder) -> type:
    """The word scorer, a subclass of flashlight's `LM` (made on first use, so importing this module never needs
    flashlight)."""

    class WordScorer(flashlight_decoder.LM):
        """flashlight's `LM` interface (start / score / finish over piece ids) on top of a KenLM word model.

        flashlight adds up what `score` returns along a hypothesis, so each call returns the change of the
        hypothesis' language-model score: a finished word's weighted log-probability plus `beta`, and the change of
        the unknown-prefix penalty of the word being spelt. States are flashlight `LMState`s; `state.child(piece)`
        returns the same object for the same history, which keys the cache of what each state means:
        (KenLM state, partial word, its penalty, the score returned on reaching it).
        """

        def __init__(self, decoder: AuTTinyLMDecoder, options: LMDecodingOptions):
            flashlight_decoder.LM.__init__(self)
            self.decoder, self.options = decoder, options
            self.hotwords = {word for phrase in options.hotwords for word in phrase.lower().split()}
            self.hotword_prefixes = {word[:end] for word in self.hotwords for end in range(1, len(word) + 1)}
            self.states = {}

        def start(self, start_with_nothing: bool):
            state = flashlight_decoder.LMState()
            self.states[state] = (self.decoder._kenlm.start(False), "", 0.0, 0.0)
            return state

        def score(self, state, piece_id: int):
            child = state.child(piece_id)
            known = self.states.get(child)
            if known is not None:
                return child, known[3]
            kenlm_state, partial, penalty, _ = self.states[state]
            piece = self.decoder._pieces[piece_id]
            delta = -penalty
            if piece.startswith(WORD_START):
                if partial:
                    kenlm_state, word_score = self.word(kenlm_state, partial)
                    delta += word_score
                partial = piece[len(WORD_START) :]
            elif piece_id not in self.decoder._special_ids:
                partial += piece
            penalty = self.prefix_penalty(partial)
            delta += penalty
            self.states[child] = (kenlm_state, partial, penalty, delta)
            return child, delta

        def finish(self, state):
            kenlm_state, partial, penalty, _ = self.states[state]
            delta = -penalty
            if partial:
                kenlm_state, word_score = self.word(kenlm_state, partial)
                delta += word_score
            _, end_score = self.decoder._kenlm.finish(kenlm_state)
            return state, delta + self.options.alpha * LN_10 * end_score

        def word(self, kenlm_state, word: str):
            decoder, options = self.decoder, self.options
            known = word in decoder._known
            next_state, log10_prob = decoder._kenlm.score(kenlm_state, decoder._words.get_index(word) if known else 0)
            score = options.alpha * LN_10 * log10_prob + options.beta
            if word in self.hotwords:
                score += options.hotword_weight
            elif not known:
                score += options.unk_score_offset
            return next_state, score

        def prefix_penalty(self, partial: str) -> float:
            if not partial or partial in self.decoder._prefixes or partial in self.hotword_prefixes:
                return 0.0
            return self.options.unk_score_offset

    return WordScorer


__all__ = ["AuTTinyLMDecoder", "LMDecodingOptions"]
