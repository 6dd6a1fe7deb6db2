import pytest
import torch

from uomni_hf import AuTTinyTokenizer

from .conftest import TRANSCRIPTS


@pytest.mark.parametrize("model_type", ["unigram", "bpe", "char"])
def test_blank_is_pad_is_id_zero_and_round_trip(model_type):
    tokenizer = AuTTinyTokenizer.from_transcripts(TRANSCRIPTS * 3, vocab_size=60, model_type=model_type)
    assert tokenizer.pad_token == "<blank>" and tokenizer.pad_token_id == 0 == tokenizer.blank_token_id
    for text in TRANSCRIPTS + ["a zebra quietly vexed the jumpy wizard"]:
        ids = tokenizer(text)["input_ids"]
        assert 0 not in ids and tokenizer.unk_token_id not in ids
        assert tokenizer.decode(ids, group_tokens=False) == text


def test_default_is_subword_and_fits_ctc_frames(tokenizer):
    char = AuTTinyTokenizer.from_transcripts(TRANSCRIPTS, model_type="char")
    subword_labels = sum(len(tokenizer(text)["input_ids"]) for text in TRANSCRIPTS)
    char_labels = sum(len(char(text)["input_ids"]) for text in TRANSCRIPTS)
    assert subword_labels < 0.7 * char_labels
    assert any(len(piece.lstrip("▁")) > 1 for piece in tokenizer.get_vocab())


def test_text_is_normalized_before_tokenizing(tokenizer):
    assert tokenizer.normalize("  The Café, isn't it?  ") == "the cafe isn't it"
    assert tokenizer.decode(tokenizer("HOW MUCH WOOD!")["input_ids"], group_tokens=False) == "how much wood"


def test_ctc_decode_collapses_repeats_and_drops_blanks(tokenizer):
    ids = tokenizer("peter piper")["input_ids"]
    frames = []
    for token in ids:
        frames += [0, token, token, token]
    frames += [0, 0]
    assert tokenizer.decode(frames) == "peter piper"
    assert tokenizer.decode(torch.tensor(frames)) == "peter piper"
    # A blank between two equal tokens keeps both.
    token = ids[0]
    assert tokenizer.decode([token, 0, token]) == tokenizer.decode([token, token], group_tokens=False)
    assert tokenizer.batch_decode([frames, [0, 0]]) == ["peter piper", ""]


def test_a_lone_word_marker_leaves_one_space(tokenizer):
    """CTC (greedy or with the LM) can emit `▁` alone, a word start with no letters; the text keeps single spaces."""
    pieces = ["▁", *tokenizer.tokenize("peter"), "▁", "▁", *tokenizer.tokenize("piper"), "▁"]
    ids = tokenizer.convert_tokens_to_ids(pieces)
    assert tokenizer.decode(ids) == "peter piper"
    assert [w["word"] for w in tokenizer.decode(ids, output_word_offsets=True).word_offsets] == ["peter", "piper"]


def test_char_and_word_offsets_in_wav2vec2_shape(tokenizer):
    words = "one two three".split()
    frames, spans = [0, 0], []
    for word in words:
        ids = tokenizer(word)["input_ids"]
        start = len(frames)
        for token in ids:
            frames += [token, token, 0]
        spans.append((start, len(frames) - 1))
        frames += [0, 0, 0]
    out = tokenizer.decode(frames, output_char_offsets=True, output_word_offsets=True)
    assert out.text == "one two three"
    assert [w["word"] for w in out.word_offsets] == words
    # Word ends move `word_end_extension` (1) frame later: the gaps here are 4 frames, the end 3.
    assert [(w["start_offset"], w["end_offset"]) for w in out.word_offsets] == [(s, e + 1) for s, e in spans]
    assert out.char_offsets[-1]["end_offset"] == spans[-1][1]  # chars keep their tokens' own frames
    assert "".join(c["char"] for c in out.char_offsets) == "one two three"
    assert set(out.char_offsets[0]) == {"char", "start_offset", "end_offset"}
    batch = tokenizer.batch_decode([frames, frames], output_word_offsets=True)
    assert batch.text == ["one two three"] * 2 and len(batch.word_offsets) == 2


def test_word_end_extension_stops_at_the_next_word_and_the_last_frame(tokenizer, tmp_path):
    one, two = tokenizer("one")["input_ids"], tokenizer("two")["input_ids"]
    frames = one + [0] + two  # one blank between the words, none after the last
    tokenizer.save_pretrained(tmp_path)
    raw = AuTTinyTokenizer.from_pretrained(tmp_path, word_end_extension=0).decode(frames, output_word_offsets=True)
    wide = AuTTinyTokenizer.from_pretrained(tmp_path, word_end_extension=5)
    extended = wide.decode(frames, output_word_offsets=True)
    assert raw.word_offsets[0]["end_offset"] == len(one)
    assert extended.word_offsets[0]["end_offset"] == raw.word_offsets[1]["start_offset"] == len(one) + 1
    # The last word ends by the start of the last frame, which may reach past the audio's end.
    assert extended.word_offsets[1]["end_offset"] == raw.word_offsets[1]["end_offset"] == len(frames) - 1
    # The ASR pipeline builds word offsets itself from char offsets: the extension and the cap hold there too.
    chars = wide.decode(frames, output_char_offsets=True).char_offsets
    words = wide._get_word_offsets(chars, wide.replace_word_delimiter_char)
    assert words[0]["end_offset"] == len(one) + 1 and words[1]["end_offset"] == len(frames) - 1
    wide.save_pretrained(tmp_path / "wide")
    assert AuTTinyTokenizer.from_pretrained(tmp_path / "wide").word_end_extension == 5
    with pytest.raises(ValueError, match="word_end_extension"):
        AuTTinyTokenizer.from_pretrained(tmp_path, word_end_extension=-1).decode(frames, output_word_offsets=True)


def test_save_and_load(tokenizer, tmp_path):
    tokenizer.save_pretrained(tmp_path)
    loaded = AuTTinyTokenizer.from_pretrained(tmp_path)
    assert loaded.get_vocab() == tokenizer.get_vocab()
    assert loaded.pad_token_id == 0
    text = "she sells sea shells"
    assert loaded(text)["input_ids"] == tokenizer(text)["input_ids"]
    assert loaded.normalize("Hello, World") == "hello world"


def test_unknown_model_type_raises():
    with pytest.raises(ValueError, match="model_type"):
        AuTTinyTokenizer.from_transcripts(TRANSCRIPTS, model_type="wordpiece")
