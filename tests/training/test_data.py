from uomni_hf import AuTTinyConfig, AuTTinyFeatureExtractor
from uomni_hf.training import is_feasible, output_frames_fn


def test_ctc_feasibility_counts_frames_and_repeat_blanks():
    output_frames = output_frames_fn(AuTTinyFeatureExtractor(), AuTTinyConfig())
    assert output_frames(16000) == 13  # 101 mel frames → ceil(101 / 8)
    assert is_feasible(16000, [1] * 7, output_frames) and not is_feasible(16000, [1] * 7 + [1], output_frames)
    assert is_feasible(16000, [5, 6] * 6 + [5], output_frames)  # 13 labels, no repeats: 13 frames
    assert is_feasible(16000, [5, 5, 6, 6, 6, 7, 8, 9, 10, 11], output_frames)  # 10 labels + 3 blanks: 13
    assert not is_feasible(16000, [5, 5, 6, 6, 6, 7, 8, 9, 10, 11, 12], output_frames)  # 11 + 3 blanks: 14
    assert not is_feasible(16000, [], output_frames)
