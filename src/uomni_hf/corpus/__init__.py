"""Synthetic English speech for training and testing AuT-Tiny, written as an `audiofolder`.

- `text`: the sentences (templates, number phrases, random words, extra texts), normalized like any transcript;
- `espeak`: the espeak-ng engine (accents, voice variants, speakers held out per split);
- `kokoro`: the Kokoro-82M engine (the `[kokoro]` extra; six voices reserved for the test split);
- `timestamps`: speech with known word times, ground truth for timestamp tests;
- `build`: `build_corpus` and its command line, `uomni-make-corpus`.
"""

from .build import METADATA_COLUMNS, build_corpus
from .espeak import (
    ACCENTS,
    PITCH_RANGE,
    RATE_RANGE,
    SAMPLING_RATE,
    TEST_ACCENTS,
    TEST_VARIANTS,
    VALIDATION_VARIANTS,
    VARIANTS,
    SpeakerConfig,
    speaker_pool,
    spell_out_letter_words,
    split_voices,
    synthesize,
    trim_silence,
    voice_split,
)
from .kokoro import KokoroOptions, KokoroSpeaker
from .text import (
    MAX_WORDS,
    SENTENCE_KINDS,
    SPLITS,
    generate_sentence,
    generate_sentence_and_kind,
    generate_sentences,
    read_text_file,
    split_extra_texts,
)
from .timestamps import synthesize_with_word_times, word_time_errors


__all__ = [
    "ACCENTS",
    "MAX_WORDS",
    "METADATA_COLUMNS",
    "PITCH_RANGE",
    "RATE_RANGE",
    "SAMPLING_RATE",
    "SENTENCE_KINDS",
    "SPLITS",
    "TEST_ACCENTS",
    "TEST_VARIANTS",
    "VALIDATION_VARIANTS",
    "VARIANTS",
    "KokoroOptions",
    "KokoroSpeaker",
    "SpeakerConfig",
    "build_corpus",
    "generate_sentence",
    "generate_sentence_and_kind",
    "generate_sentences",
    "read_text_file",
    "speaker_pool",
    "spell_out_letter_words",
    "split_extra_texts",
    "split_voices",
    "synthesize",
    "synthesize_with_word_times",
    "trim_silence",
    "voice_split",
    "word_time_errors",
]
