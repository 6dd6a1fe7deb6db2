"""Sentence generation: normalized, varied, deterministic; extra texts mixed in and split; LJ001-LJ003 left out."""

import pytest

from uomni_hf.corpus.text import (
    COMMAND_WORDS,
    MAX_WORDS,
    RESERVED_LJ_CHAPTERS,
    SENTENCE_KINDS,
    _rng,
    generate_sentence,
    generate_sentence_and_kind,
    generate_sentences,
    read_metadata_transcripts,
    read_text_file,
    short_utterance,
    split_extra_texts,
)
from uomni_hf.text_normalization import normalize_transcript


def test_generated_sentences_are_normalized_varied_and_deterministic():
    sentences = generate_sentences(300, seed=0)
    assert sentences == generate_sentences(300, seed=0)
    assert sentences != generate_sentences(300, seed=1)
    assert generate_sentences(10, seed=0) == sentences[:10]
    for sentence in sentences:
        assert normalize_transcript(sentence) == sentence
        assert 1 <= len(sentence.split()) <= MAX_WORDS
    words = {word for sentence in sentences for word in sentence.split()}
    assert len(words) > 1000, "a broad vocabulary"
    assert len(set(sentences)) > 280
    assert {"one", "two", "three"} & words, "spelled-out numbers"
    assert set("abcdefghijklmnopqrstuvwxyz") <= set("".join(sentences))


def test_extra_texts_are_mixed_in_normalized_and_truncated():
    extra = ["Mr. Brown paid $5 for it.", " ".join(["word"] * 40)]
    sentences = generate_sentences(100, seed=0, extra_texts=extra)
    assert "mister brown paid five dollars for it" in sentences
    assert " ".join(["word"] * MAX_WORDS) in sentences
    assert 20 < sum(sentence.startswith(("mister brown", "word word")) for sentence in sentences) < 80


def test_read_text_file_plain_and_ljspeech(tmp_path):
    plain = tmp_path / "sentences.txt"
    plain.write_text("first sentence\n\n  second one  \n", encoding="utf-8")
    assert read_text_file(plain) == ["first sentence", "second one"]
    ljspeech = tmp_path / "metadata.csv"
    ljspeech.write_text(
        "LJ004-0001|Printing, in 1905.|Printing, in nineteen oh five.\nLJ004-0002|Dr. X|Doctor X\n", encoding="utf-8"
    )
    assert read_text_file(ljspeech) == ["Printing, in nineteen oh five.", "Doctor X"]


def test_split_extra_texts_puts_each_text_in_one_split():
    texts = [f"sentence number {index}" for index in range(1000)]
    splits = split_extra_texts(texts)
    assert sorted(sum(splits.values(), [])) == sorted(texts)
    assert split_extra_texts(texts) == splits
    assert 850 < len(splits["train"]) < 950
    assert 20 < len(splits["validation"]) < 80 and 20 < len(splits["test"]) < 80



def test_read_text_file_reads_xz_compressed_text(tmp_path):
    import lzma

    packed = tmp_path / "sentences.txt.xz"
    with lzma.open(packed, "wt", encoding="utf-8") as file:
        file.write("IT WAS A DARK NIGHT\nTHE END\n")
    assert read_text_file(packed) == ["IT WAS A DARK NIGHT", "THE END"]


def test_read_text_file_leaves_out_the_reserved_lj_chapters(tmp_path):
    ljspeech = tmp_path / "metadata.csv"
    ids = ["LJ001-0001", "LJ002-0100", "LJ003-0346", "LJ004-0001", "LJ010-0002", "LJ0011-0001"]
    ljspeech.write_text("".join(f"{id_}|raw {id_}|text of {id_}\n" for id_ in ids), encoding="utf-8")
    assert RESERVED_LJ_CHAPTERS == ("LJ001", "LJ002", "LJ003")
    assert read_text_file(ljspeech) == ["text of LJ004-0001", "text of LJ010-0002", "text of LJ0011-0001"]
    plain = tmp_path / "plain.txt"
    plain.write_text("LJ001 is only a word here\n", encoding="utf-8")  # no | column: not an LJ Speech id
    assert read_text_file(plain) == ["LJ001 is only a word here"]


def test_generate_sentence_depends_only_on_its_generator():
    assert generate_sentence(_rng(4, "x", 7)) == generate_sentence(_rng(4, "x", 7))
    assert generate_sentences(5, seed=2)[3] == generate_sentence(_rng(2, "sentence", 3))


def test_generate_sentence_and_kind_draws_what_generate_sentence_draws():
    drawn = [generate_sentence_and_kind(_rng(3, "kind", index)) for index in range(300)]
    assert [text for text, _ in drawn] == [generate_sentence(_rng(3, "kind", index)) for index in range(300)]
    kinds = [kind for _, kind in drawn]
    assert set(kinds) == set(SENTENCE_KINDS) - {"extra_text", "short"}  # every generator met, short ones only asked
    assert not any(char.isdigit() for text, _ in drawn for char in text)  # number phrases come spelled out
    extra = [generate_sentence_and_kind(_rng(3, "extra", index), ["an extra text"]) for index in range(100)]
    assert {kind for text, kind in extra if text == "an extra text"} == {"extra_text"}
    assert 20 < sum(kind == "extra_text" for _, kind in extra) < 80


def test_read_metadata_transcripts_of_a_split_folder_or_its_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no metadata.csv"):
        read_metadata_transcripts(tmp_path)
    (tmp_path / "metadata.csv").write_text("file_name,words\na.wav,Hello\n", encoding="utf-8")
    with pytest.raises(ValueError, match="none of the transcript columns"):
        read_metadata_transcripts(tmp_path)
    (tmp_path / "metadata.csv").write_text("file_name,text\na.wav,\"Hello, World!\"\n", encoding="utf-8")
    as_written = ["Hello, World!"]
    assert read_metadata_transcripts(tmp_path) == read_metadata_transcripts(tmp_path / "metadata.csv") == as_written


def test_short_utterances_are_single_words_digit_strings_and_short_commands():
    sentences = generate_sentences(600, seed=0, extra_texts=["a long extra text that short ones never use"], short=True)
    assert sentences == generate_sentences(600, seed=0, short=True), "extra texts are not drawn"
    expected = normalize_transcript(short_utterance(_rng(0, "short")))  # digits come as written, then spelled out
    assert generate_sentence_and_kind(_rng(0, "short"), short=True) == (expected, "short")
    lengths = [len(sentence.split()) for sentence in sentences]
    assert all(normalize_transcript(sentence) == sentence for sentence in sentences)
    assert max(lengths) <= 7, "digit strings are the longest: up to seven digits"
    assert 0.35 < lengths.count(1) / len(sentences) < 0.65, "most are a word alone"
    assert sum(2 <= length <= 4 for length in lengths) > 0.25 * len(sentences)
    assert len(set(sentences) & set(COMMAND_WORDS)) > 40, "command words alone, digits among them"
    digits = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
    digit_strings = [s for s in sentences if len(s.split()) >= 2 and set(s.split()) <= digits]
    assert len(digit_strings) > 20, "digit strings, spelled out"


def test_the_sentence_stream_is_the_one_the_test_sets_were_built_with():
    # The espeak-ng test set (seed 1) and the Kokoro test set are rebuilt from the generator on every fresh machine, so
    # a change in what it draws, or in which order, silently changes the sentences the README's numbers were measured
    # on. These were drawn before the short utterances came in (and, for them, when the espeak-ng short set was built).
    drawn = {index: generate_sentence_and_kind(_rng(1, "sentence", index)) for index in (0, 4, 5)}
    assert drawn == {
        0: ("this is the twenty fourth baker", "number"),
        4: ("the coffee was strange and the painter was old", "template"),
        5: ("wake me at three a m", "number"),
    }
    assert [short_utterance(_rng(1, "short", index)) for index in (0, 5)] == ["backward", "what time is it"]
