"""Speech with known word times (ground truth for timestamp tests) and the errors of recognized word times."""

import numpy as np
import pytest

from uomni_hf.corpus.espeak import SpeakerConfig
from uomni_hf.corpus.timestamps import synthesize_with_word_times, word_time_errors

from . import requires_espeak


@requires_espeak
def test_words_with_known_times_for_timestamp_ground_truth():
    speaker = SpeakerConfig(accent="en-us", variant="m1", rate=160, pitch=50)
    audio, times = synthesize_with_word_times(["open", "the", "window"], speaker, pause_seconds=0.25)
    assert [word for word, _, _ in times] == ["open", "the", "window"]
    assert times[0][1] == 0.25
    for (_, _, end), (_, next_start, _) in zip(times, times[1:]):
        assert next_start - end == pytest.approx(0.25, abs=1e-4)
        silence = audio[int(end * 16000) + 1 : int(next_start * 16000) - 1]
        assert np.abs(silence).max() == 0
    assert len(audio) / 16000 == pytest.approx(times[-1][2] + 0.25, abs=1e-4)
    for _, start, end in times:  # each word is sound from its first to its last sample
        word = audio[int(start * 16000) : int(end * 16000)]
        assert np.abs(word[:160]).max() > 0 and np.abs(word[-160:]).max() > 0


def test_word_time_errors_match_recognized_words_in_order():
    truth = [("open", 0.3, 0.6), ("the", 0.9, 1.0), ("window", 1.3, 1.8)]
    chunks = [
        {"text": "open", "timestamp": (0.32, 0.56)},
        {"text": "a", "timestamp": (0.9, 1.0)},  # misrecognized: left out
        {"text": "window", "timestamp": (1.2, 1.9)},
    ]
    errors = word_time_errors(chunks, truth)
    assert [error for pair in errors for error in pair] == pytest.approx([0.02, 0.04, 0.1, 0.1])
    assert word_time_errors([], truth) == []
