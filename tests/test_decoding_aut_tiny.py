import json

import numpy as np
import pytest

from uomni_hf import AuTTinyLMDecoder
from uomni_hf.decoding_aut_tiny import LANGUAGE_MODEL_DIR, LMDecodingOptions

from .conftest import ctc_logits


@pytest.fixture(scope="module")
def decoder(lm_folder, tokenizer) -> AuTTinyLMDecoder:
    return AuTTinyLMDecoder.from_dir(lm_folder / LANGUAGE_MODEL_DIR, tokenizer)


def greedy(tokenizer, logits) -> str:
    return tokenizer.decode(logits.argmax(-1).tolist())


def best_text(decoder, logits, **overrides) -> str:
    return decoder.decode_beams(logits, **overrides)[0][0]


def test_the_language_model_overrules_a_slightly_preferred_misspelling(decoder, tokenizer):
    logits = ctc_logits(tokenizer, [("the brown fox", 0.4), ("the brewn fox", 0.6)])
    assert greedy(tokenizer, logits) == "the brewn fox"
    assert best_text(decoder, logits) == "the brown fox"


def test_without_language_model_weight_the_search_reads_what_greedy_reads(decoder, tokenizer):
    logits = ctc_logits(tokenizer, [("the brown fox", 0.4), ("the brewn fox", 0.6)])
    assert best_text(decoder, logits, alpha=0.0, beta=0.0, unk_score_offset=0.0) == "the brewn fox"


def test_a_word_the_language_model_never_saw_still_comes_out(decoder, tokenizer):
    assert "zorblax" not in decoder.unigrams
    logits = ctc_logits(tokenizer, [("the zorblax fox", 1.0)])
    assert best_text(decoder, logits) == "the zorblax fox"


def test_hotwords_win_over_the_language_model(decoder, tokenizer):
    logits = ctc_logits(tokenizer, [("the brown fox", 0.5), ("the brewn fox", 0.5)])
    assert best_text(decoder, logits) == "the brown fox"
    assert best_text(decoder, logits, hotwords=["brewn"]) == "the brewn fox"


def test_beams_carry_word_offsets_in_frames_and_scores(decoder, tokenizer):
    logits = ctc_logits(tokenizer, [("the lazy dog", 1.0)], frames_per_piece=3)
    text, _, offsets, logit_score, lm_score = decoder.decode_beams(logits)[0]
    assert text == "the lazy dog"
    assert [word for word, _ in offsets] == ["the", "lazy", "dog"]
    expected = tokenizer.decode(logits.argmax(-1).tolist(), output_word_offsets=True).word_offsets
    assert [span for _, span in offsets] == [(w["start_offset"], w["end_offset"]) for w in expected]
    path = decoder.decode(logits).path
    assert logit_score == pytest.approx(float(logits[np.arange(len(path)), path].sum()), abs=1e-3)
    # Without LM weight the language-model score is the word bonus alone: beta per word.
    assert decoder.decode_beams(logits, alpha=0.0, beta=1.5)[0][4] == pytest.approx(3 * 1.5)


def test_beam_path_has_one_id_per_frame(decoder, tokenizer):
    logits = ctc_logits(tokenizer, [("one two", 1.0)])
    beam = decoder.decode(logits)
    assert len(beam.path) == len(logits)
    assert decoder.decode(logits[:0]).path == []


def test_bad_logits_are_named(decoder):
    with pytest.raises(ValueError, match="shape"):
        decoder.decode(np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        decoder.decode(np.full((4, len(decoder.tokenizer)), np.nan, np.float32))
    with pytest.raises(ValueError, match="Unknown language-model decoding options"):
        decoder.decode(np.zeros((4, len(decoder.tokenizer)), np.float32), alfa=1.0)


def test_save_and_load_keep_files_and_options(decoder, tokenizer, tmp_path):
    tuned = AuTTinyLMDecoder(tokenizer, decoder.kenlm_path, decoder.unigrams, LMDecodingOptions(alpha=0.7, beta=2.0))
    tuned.save(tmp_path / "lm")
    loaded = AuTTinyLMDecoder.from_dir(tmp_path / "lm", tokenizer)
    assert loaded.options == tuned.options and loaded.unigrams == decoder.unigrams
    assert json.loads((tmp_path / "lm" / "attrs.json").read_text())["kenlm_file"] == "lm.bin"
    logits = ctc_logits(tokenizer, [("the brown fox", 0.4), ("the brewn fox", 0.6)])
    assert best_text(loaded, logits) == best_text(tuned, logits)


@pytest.mark.parametrize("damage", ["no_attrs", "no_unigrams", "no_kenlm", "corrupt_kenlm", "bad_json", "bad_key"])
def test_broken_language_model_folders_are_named(decoder, tokenizer, tmp_path, damage):
    folder = tmp_path / "lm"
    decoder.save(folder)
    attrs = folder / "attrs.json"
    if damage == "no_attrs":
        attrs.unlink()
    elif damage == "no_unigrams":
        (folder / "unigrams.txt").unlink()
    elif damage == "no_kenlm":
        (folder / "lm.bin").unlink()
    elif damage == "corrupt_kenlm":
        (folder / "lm.bin").write_bytes(b"not a language model\n" * 10)
    elif damage == "bad_json":
        attrs.write_text("{alpha: 1")
    else:
        attrs.write_text(json.dumps({**json.loads(attrs.read_text()), "alpah": 1.0}))
    expected = {"no_attrs": "attrs.json", "no_unigrams": "unigrams.txt", "no_kenlm": "lm.bin", "bad_json": "JSON",
                "corrupt_kenlm": "Could not load the KenLM file", "bad_key": "alpah"}[damage]
    with pytest.raises(ValueError, match=expected):
        AuTTinyLMDecoder.from_dir(folder, tokenizer)
