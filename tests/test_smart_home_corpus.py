"""examples/smart_home_corpus.py, the domain `make demo` fine-tunes on: test voices and sentences never occur in
training, files are the same whatever the workers, and bad sizes are refused."""

import sys

import pytest
import soundfile as sf

from uomni_hf.corpus.espeak import voice_split

from .conftest import REPO, load_script
from .corpus import folder_bytes, read_metadata, requires_espeak


corpus = load_script("examples/smart_home_corpus.py")


def test_test_sentences_are_never_training_sentences():
    texts = corpus.split_texts(300, 60, seed=3)
    assert len(texts["train"]) == 300 and len(texts["test"]) == 60
    assert not set(texts["test"]) & set(texts["train"])
    assert corpus.split_texts(300, 60, seed=3) == texts
    assert corpus.split_texts(300, 60, seed=4) != texts


@pytest.mark.parametrize("sizes", [(0, 5), (5, 0)])
def test_empty_split_is_refused(sizes):
    with pytest.raises(ValueError, match="at least one utterance per split"):
        corpus.split_texts(*sizes)


@requires_espeak
def test_corpus_holds_out_voices_and_is_the_same_whatever_the_workers(tmp_path, monkeypatch):
    # Worker processes import the script by name, as when it runs from examples/.
    monkeypatch.syspath_prepend(str(REPO / "examples"))
    monkeypatch.setitem(sys.modules, "smart_home_corpus", corpus)
    summary = corpus.build_smart_home_corpus(tmp_path / "one", num_train=6, num_test=4, seed=1, num_workers=1)
    assert {split: counts["utterances"] for split, counts in summary.items()} == {"train": 6, "test": 4}
    rows = {split: read_metadata(tmp_path / "one" / split) for split in ("train", "test")}
    for split, split_rows in rows.items():
        for row in split_rows:
            accent, variant = row["speaker"].split("_")[0].split("+")
            assert voice_split(accent, variant) == split, row["speaker"]
            audio, rate = sf.read(tmp_path / "one" / split / row["file_name"])
            assert rate == 16000 and abs(len(audio) / rate - float(row["seconds"])) < 0.01
            assert audio[:1600].std() < 1e-3 < audio.std()  # silence first, then speech
    assert [row["text"] for row in rows["test"]] == corpus.split_texts(6, 4, seed=1)["test"]
    corpus.build_smart_home_corpus(tmp_path / "two", num_train=6, num_test=4, seed=1, num_workers=2)
    assert folder_bytes(tmp_path / "one") == folder_bytes(tmp_path / "two")
