"""Speech with known word times, ground truth for timestamp tests: each word spoken alone and joined by silence."""

from collections.abc import Sequence

import numpy as np

from .espeak import SAMPLING_RATE, SpeakerConfig, synthesize, trim_silence


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
