"""Training data: load `audiofolder` (or Hub) splits, normalize and tokenize transcripts, report and drop what CTC
cannot learn."""

import inspect
import logging
import sys
from collections.abc import Callable

import numpy as np
import pyarrow.compute as pc
import torch
from datasets import Audio, load_dataset
from datasets.fingerprint import Hasher

from ..modeling_aut_tiny import ctc_frames_needed
from ..text_normalization import normalize_transcript
from ..tokenization_aut_tiny import AuTTinyTokenizer


logger = logging.getLogger(__name__)


def is_feasible(num_samples: int, labels: list[int], output_frames: Callable[[int], int]) -> bool:
    """Whether CTC can align `labels` to audio of `num_samples` samples (`output_frames`: samples → output frames,
    e.g. `output_frames_fn(feature_extractor, config)`): a frame per label plus a blank between equal neighbours."""
    if not labels:
        return False
    row = torch.tensor([labels])
    return int(ctc_frames_needed(row, torch.ones_like(row, dtype=torch.bool))[0]) <= output_frames(num_samples)


def output_frames_fn(feature_extractor, config) -> Callable[[int], int]:
    """Samples → the model's output frames: the feature extractor's mel frames, then the config's subsampling."""
    return lambda num_samples: int(config.num_output_frames(feature_extractor.num_frames(num_samples)))


def load_split(data_args, split: str, data_dir: str | None, streaming: bool = False):
    dataset = load_dataset(
        data_args.dataset_name,
        data_args.dataset_config_name,
        data_dir=data_dir,
        split=split,
        streaming=streaming,
    )
    for name in (data_args.audio_column_name, data_args.text_column_name):
        if name not in dataset.column_names:
            raise ValueError(f"Column {name!r} not found in the {split} split; columns: {dataset.column_names}.")
    return dataset.cast_column(data_args.audio_column_name, Audio(sampling_rate=16000))


def audio_paths(dataset, audio_column: str) -> list[str]:
    """Each example's audio file ("" where the audio is stored inline), read from the Arrow column without decoding:
    the identity that a teacher's precomputed states (`training.distillation`) are keyed by."""
    column = dataset.select_columns([audio_column]).with_format("arrow")[audio_column]
    return [path or "" for path in pc.struct_field(column, "path").to_pylist()]


def make_prepare_fn(data_args, tokenizer: AuTTinyTokenizer, for_training: bool, output_frames: Callable[[int], int]):
    def prepare(example: dict, index: int) -> dict:
        audio = example[data_args.audio_column_name]
        samples = np.asarray(audio["array"], dtype=np.float32)
        if samples.ndim > 1:
            samples = samples.mean(axis=0)
        text = normalize_transcript(example[data_args.text_column_name])
        labels = tokenizer(text)["input_ids"]
        return {
            "source": example.get("source", ""),
            "audio_path": example.get("audio_path", ""),  # set for training data with --distillation_targets
            "input_values": samples,
            "input_length": len(samples),
            "labels": labels,
            "text": text,
            "feasible": is_feasible(len(samples), labels, output_frames),
            "augment": for_training,  # the collator augments training examples only
            "index": index,  # seeds the example's augmentation
        }

    return prepare


# Lengths at which `preparation_fingerprint` reads the frame arithmetic (0 s to 30 s, around hop and subsampling steps).
_FRAME_PROBES = (0, 1, 159, 160, 161, 1279, 1280, 1281, 16_000, 48_640, 160_000, 480_000)


def preparation_fingerprint(dataset, data_args, tokenizer: AuTTinyTokenizer, for_training: bool,
                            output_frames: Callable[[int], int]) -> str:  # fmt: skip
    """The cache key of the preprocessing map: everything its output depends on, nothing else. `datasets` would hash
    the map function, and with it all of `data_args` and the model config (output folders, model card text, the
    checkpoint's path), so every new run wrote its own copy of the decoded audio (6 GB for the long run's 28 h) and
    a few runs filled the disk."""
    return Hasher.hash((
        dataset._fingerprint,
        data_args.audio_column_name,
        data_args.text_column_name,
        for_training,
        tokenizer.backend_tokenizer.to_str(),  # the vocabulary and its rules, not where it was loaded from
        [output_frames(n) for n in _FRAME_PROBES],
        # The code: a change to this module or to the text normalizer is a new cache.
        inspect.getsource(sys.modules[__name__]),
        inspect.getsource(sys.modules[normalize_transcript.__module__]),
    ))  # fmt: skip


def prepare_dataset(dataset, data_args, tokenizer, split_label: str, for_training: bool, max_samples: float,
                    output_frames: Callable[[int], int]):  # fmt: skip
    """Decode, normalize and tokenize; then report (and for training, drop) what CTC cannot learn or what does not
    fit `max_samples` (the duration limit, or the static shape)."""
    dataset = dataset.map(
        make_prepare_fn(data_args, tokenizer, for_training, output_frames),
        with_indices=True,
        remove_columns=dataset.column_names,
        num_proc=data_args.preprocessing_num_workers,
        desc=f"preprocess {split_label}",
        new_fingerprint=preparation_fingerprint(dataset, data_args, tokenizer, for_training, output_frames),
    )
    min_samples = data_args.min_duration_in_seconds * 16000
    lengths = np.asarray(dataset["input_length"])
    feasible = np.asarray(dataset["feasible"])
    in_range = (lengths >= min_samples) & (lengths <= max_samples)
    has_text = np.asarray([len(labels) > 0 for labels in dataset["labels"]])
    report = {
        "utterances": len(dataset),
        "hours": float(lengths.sum() / 16000 / 3600),
        "out_of_duration_range": int((~in_range).sum()),
        "ctc_infeasible": int((~feasible & has_text).sum()),
        "empty_transcript": int((~has_text).sum()),
    }
    logger.info(
        f"{split_label}: {report['utterances']} utterances ({report['hours']:.2f} h); {report['ctc_infeasible']} "
        f"CTC-infeasible (more labels than output frames), {report['out_of_duration_range']} outside "
        f"[{data_args.min_duration_in_seconds}, {max_samples / 16000:.2f}] s, "
        f"{report['empty_transcript']} with an empty transcript"
        + (": all dropped." if for_training else ": only empty transcripts dropped (nothing to score).")
    )
    if for_training:
        sources = np.asarray(dataset["source"])
        # Hours each source (folder; repeated folders count once per repeat) contributes to training.
        report["hours_per_source"] = {
            str(source): float(lengths[(sources == source) & in_range & feasible].sum() / 16000 / 3600)
            for source in np.unique(sources)
        }
    keep = in_range & feasible if for_training else has_text
    if not keep.all():
        dataset = dataset.select(np.flatnonzero(keep))
    return dataset, report
