# The options of the project's Kokoro corpora, sourced by the scripts that build them or draw their transcripts
# (build_kokoro_test_set.sh, train_aut_tiny_en.sh, build_language_model.sh), so they cannot drift apart.
# The reserved test set: 240 test-split utterances of the six reserved voices, no blends, seed 0.
KOKORO_TEST_SET=(--kokoro_blend_probability 0 --kokoro_speed_range 0.85 1.15 --kokoro_accent auto
    --num_train 0 --num_validation 0 --num_test 240 --seed 0)
# Held-out Kokoro voices: validation's only speakers in both Kokoro corpora (examples/prepare_real_speech.py has them).
KOKORO_VALIDATION=(af_bella am_michael bf_emma bm_george jf_alpha hm_psi)
