import json

import pytest

from uomni_hf.cli.build_lm import main as build_lm
from uomni_hf.corpus.text import vocabulary
from uomni_hf.decoding_aut_tiny import LMDecodingOptions


def test_builds_a_language_model_folder_from_text_and_metadata(tmp_path, capsys):
    text = tmp_path / "sentences.txt"
    text.write_text("Peter had 2 cats.\nThe cats sat on the mat.\n")
    lj = tmp_path / "ljspeech.csv"  # LJ001-LJ003 are kept for evaluation and left out
    lj.write_text("LJ001-0001|Reserved words zzreserved.|Reserved words zzreserved.\nLJ004-0001|A mat.|A mat.\n")
    metadata = tmp_path / "train" / "metadata.csv"
    metadata.parent.mkdir()
    metadata.write_text('file_name,text,speaker\na.ogg,"WE CALL IT BEAR",1\n')
    out = tmp_path / "model"
    assert build_lm(["--text_files", str(text), str(lj), "--metadata_files", str(metadata), "--output_dir", str(out),
                     "--order", "3", "--alpha", "0.7", "--token_beam_width", "10"]) == 0
    folder = out / "language_model"
    assert sorted(p.name for p in folder.iterdir()) == ["attrs.json", "lm.bin", "unigrams.txt"]
    unigrams = (folder / "unigrams.txt").read_text().split()
    assert {"two", "cats", "mat", "bear", "we"} <= set(unigrams)  # normalized as training transcripts are
    assert "2" not in unigrams and "zzreserved" not in unigrams and "Peter" not in unigrams
    attrs = json.loads((folder / "attrs.json").read_text())
    assert attrs["alpha"] == 0.7 and attrs["beta"] == LMDecodingOptions().beta and attrs["kenlm_file"] == "lm.bin"
    assert attrs["token_beam_width"] == 10 and attrs["beam_threshold"] == LMDecodingOptions().beam_threshold
    assert "4 sentences, order 3" in capsys.readouterr().out


def test_lexicon_makes_common_words_known_that_the_text_never_used(tmp_path, capsys):
    text = tmp_path / "sentences.txt"
    text.write_text("the cats sat on the mat\n")
    out = tmp_path / "model"
    assert build_lm(["--text_files", str(text), "--output_dir", str(out), "--lexicon_size", "200"]) == 0
    unigrams = set((out / "language_model" / "unigrams.txt").read_text().split())
    assert {"cats", "mat", "because", "people", "would"} <= unigrams
    assert len(unigrams) == len({"cats", "sat", "on", "the", "mat"} | set(vocabulary(200)))
    assert f"{1 + len(vocabulary(200))} sentences" in capsys.readouterr().out  # each word a one-word sentence
    with pytest.raises(SystemExit):
        build_lm(["--text_files", str(text), "--output_dir", str(out), "--lexicon_size", "-1"])


def test_refuses_test_transcripts_and_oversized_models(tmp_path):
    metadata = tmp_path / "test" / "metadata.csv"
    metadata.parent.mkdir()
    metadata.write_text("file_name,text\na.ogg,hello there\n")
    with pytest.raises(ValueError, match="test"):
        build_lm(["--metadata_files", str(metadata), "--output_dir", str(tmp_path / "out")])
    text = tmp_path / "sentences.txt"
    text.write_text("hello there\nhello again\n")
    with pytest.raises(ValueError, match="max_size_mb"):
        build_lm(["--text_files", str(text), "--output_dir", str(tmp_path / "out"), "--max_size_mb", "0.0001"])


def test_a_quantized_trie_is_smaller_and_scores_as_the_probing_table_does(tmp_path):
    from flashlight.lib.text.decoder.kenlm import KenLM
    from flashlight.lib.text.dictionary import Dictionary

    words = [f"word{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(300)]
    text = tmp_path / "sentences.txt"
    text.write_text("\n".join(" ".join(words[j : j + 6]) for j in range(290)) + "\n")
    for name, flags in (("probing", []), ("trie", ["--quantize", "8"])):
        assert build_lm(["--text_files", str(text), "--output_dir", str(tmp_path / name), "--order", "3", *flags]) == 0
    files = {name: tmp_path / name / "language_model" / "lm.bin" for name in ("probing", "trie")}
    assert files["trie"].stat().st_size < files["probing"].stat().st_size

    dictionary = Dictionary()
    for word in words:
        dictionary.add_entry(word)
    scores = {}
    for name, path in files.items():
        lm = KenLM(str(path), dictionary)
        state, total = lm.start(False), 0.0
        for word in words[10:16]:
            state, score = lm.score(state, dictionary.get_index(word))
            total += score
        scores[name] = total
    assert scores["trie"] == pytest.approx(scores["probing"], abs=0.1), scores
    with pytest.raises(ValueError, match="quantize"):
        build_lm(["--text_files", str(text), "--output_dir", str(tmp_path / "bad"), "--quantize", "40"])


def test_usage_errors(tmp_path):
    with pytest.raises(SystemExit):
        build_lm(["--output_dir", str(tmp_path)])
    with pytest.raises(SystemExit):
        build_lm(["--text_files", str(tmp_path / "missing.txt"), "--output_dir", str(tmp_path)])
    bad = tmp_path / "metadata.csv"
    bad.write_text("file_name,words\na.ogg,hello\n")
    with pytest.raises(ValueError, match="transcript columns"):
        build_lm(["--metadata_files", str(bad), "--output_dir", str(tmp_path)])
    text = tmp_path / "sentences.txt"
    text.write_text("hello there\n")
    with pytest.raises(FileNotFoundError, match="lmplz"):
        build_lm(["--text_files", str(text), "--output_dir", str(tmp_path), "--lmplz", str(tmp_path / "none")])
