from uomni_hf import AuTTinyConfig, AuTTinyFeatureExtractor, AuTTinyTokenizer
from uomni_hf.training import DataTrainingArguments, is_feasible, output_frames_fn
from uomni_hf.training.data import load_split, prepare_dataset


def test_ctc_feasibility_counts_frames_and_repeat_blanks():
    output_frames = output_frames_fn(AuTTinyFeatureExtractor(), AuTTinyConfig())
    assert output_frames(16000) == 13  # 101 mel frames → ceil(101 / 8)
    assert is_feasible(16000, [1] * 7, output_frames) and not is_feasible(16000, [1] * 7 + [1], output_frames)
    assert is_feasible(16000, [5, 6] * 6 + [5], output_frames)  # 13 labels, no repeats: 13 frames
    assert is_feasible(16000, [5, 5, 6, 6, 6, 7, 8, 9, 10, 11], output_frames)  # 10 labels + 3 blanks: 13
    assert not is_feasible(16000, [5, 5, 6, 6, 6, 7, 8, 9, 10, 11, 12], output_frames)  # 11 + 3 blanks: 14
    assert not is_feasible(16000, [], output_frames)


def test_preprocessing_is_cached_across_runs_that_differ_only_in_unrelated_arguments(corpus, tokenizer):
    """Each run re-used to write its own copy of the decoded audio (the map's cache key hashed every argument),
    and a few long runs filled the disk."""
    config, feature_extractor = AuTTinyConfig(vocab_size=len(tokenizer)), AuTTinyFeatureExtractor()
    output_frames = output_frames_fn(feature_extractor, config)

    def prepare(data_args, tok, frames=output_frames):
        dataset = load_split(data_args, "train", data_args.data_dir)
        prepared, _ = prepare_dataset(dataset, data_args, tok, "train", True, 8 * 16000, frames)
        return {file["filename"] for file in prepared.cache_files if "cache-" in file["filename"]}

    first = prepare(DataTrainingArguments(data_dir=str(corpus), ship_best_to="/runs/a", model_card_notes="a"), tokenizer)
    again = prepare(DataTrainingArguments(data_dir=str(corpus), ship_best_to="/runs/b", model_card_notes="b"), tokenizer)
    assert first and again == first
    # What the output depends on makes a new cache: another vocabulary, or other frame arithmetic.
    other_vocabulary = AuTTinyTokenizer.from_transcripts(["a different small vocabulary"] * 4, vocab_size=40)
    assert prepare(DataTrainingArguments(data_dir=str(corpus)), other_vocabulary).isdisjoint(first)
    coarser = output_frames_fn(feature_extractor, AuTTinyConfig(conv_channels=(64, 128, 160, 192)))
    assert prepare(DataTrainingArguments(data_dir=str(corpus)), tokenizer, coarser).isdisjoint(first)
