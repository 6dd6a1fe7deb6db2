"""Command-line arguments of `uomni-train`: model and data, beside the augmentation settings
(`augmentation.AugmentationConfig`) and Transformers' `TrainingArguments`."""

import os
import sys
from dataclasses import dataclass, field

from transformers import HfArgumentParser, TrainingArguments

from .augmentation import AugmentationConfig


@dataclass
class ModelArguments:
    model_name_or_path: str | None = field(
        default=None, metadata={"help": "Checkpoint to start from; a fresh AuT-Tiny is built when not given."}
    )
    tokenizer_name_or_path: str | None = field(
        default=None,
        metadata={"help": "Tokenizer to use. Default: the checkpoint's, else one trained on the training transcripts."},
    )
    vocab_size: int = field(default=256, metadata={"help": "Size of a vocabulary trained from the transcripts."})
    tokenizer_type: str = field(default="bpe", metadata={"help": "bpe (default), unigram or char."})
    freeze_encoder: bool = field(default=False, metadata={"help": "Train the CTC head only."})
    freeze_feature_encoder: bool = field(default=False, metadata={"help": "Freeze the convolutional subsampler."})
    hidden_dropout: float | None = None
    attention_dropout: float | None = None
    activation_dropout: float | None = None
    final_dropout: float | None = None
    mask_time_prob: float | None = field(default=None, metadata={"help": "SpecAugment time masking (fraction)."})
    mask_feature_prob: float | None = field(default=None, metadata={"help": "SpecAugment frequency masking."})
    intermediate_ctc_layer: int | None = field(
        default=None, metadata={"help": "Also train CTC on this block's output (1-based, e.g. 2): intermediate CTC."}
    )
    intermediate_ctc_weight: float | None = field(default=None, metadata={"help": "Its loss weight (default 0.3)."})
    consistency_ctc_weight: float | None = field(
        default=None,
        metadata={"help": "Consistency-regularized CTC: two SpecAugment views per utterance (twice the compute) and "
                  "this weight on the KL divergence between them (0.2 in the paper); 0 (default) is off."},
    )  # fmt: skip
    distillation_weight: float | None = field(
        default=None, metadata={"help": "Weight of the distillation loss (--distillation_targets; default 1.0)."}
    )
    distillation_layer: int | None = field(
        default=None,
        metadata={"help": "Distill this block's output (1-based), not the final states (--distillation_targets)."},
    )
    config_overrides: str | None = field(
        default=None,
        metadata={"help": "Override scalar config values of a fresh model, e.g. `num_hidden_layers=2,hidden_dropout=0.0`."},
    )
    max_mel_length: int | None = field(
        default=None, metadata={"help": "Static mel length for --static_padding (default 2048 frames, 20.48 s)."}
    )


@dataclass
class DataTrainingArguments:
    dataset_name: str = field(default="audiofolder", metadata={"help": "A Hub dataset name or `audiofolder`."})
    dataset_config_name: str | None = None
    data_dir: str | None = field(default=None, metadata={"help": "Folder of an `audiofolder` dataset."})
    extra_train_data_dirs: list[str] = field(
        default_factory=list,
        metadata={"help": "More `audiofolder` folders whose train split joins the training data.", "nargs": "*"},
    )
    extra_eval_data_dirs: list[str] = field(
        default_factory=list,
        metadata={
            "help": "More `audiofolder` folders whose eval split is evaluated too, each reported on its own "
            "(`eval_<folder name>_wer`); --metric_for_best_model can name one, or `eval_mean_wer` their mean.",
            "nargs": "*",
        },
    )
    report_eval_data_dirs: list[str] = field(
        default_factory=list,
        metadata={
            "help": "`audiofolder` folders whose eval split is evaluated and reported (`eval_<folder name>_wer`) but "
            "left out of `eval_mean_wer`/`eval_mean_lm_wer`: sets to watch that must not choose the checkpoint "
            "(synthetic speech beside the real validation sets).",
            "nargs": "*",
        },
    )
    distillation_targets: str | None = field(
        default=None,
        metadata={"help": "Distill a teacher's frame states: the file name of the targets (e.g. "
                  "teacher_whisper_tiny_en.safetensors, from examples/precompute_teacher.py) in each training split "
                  "folder. A model without a distillation head gets a new one (training only: shipped and final "
                  "folders leave it out); utterances of folders without the file train on CTC alone."},
    )  # fmt: skip
    train_split_name: str = "train"
    eval_split_name: str = "validation"
    test_split_name: str | None = field(
        default=None, metadata={"help": "A split evaluated once after training and reported in the model card."}
    )
    audio_column_name: str = "audio"
    text_column_name: str = "text"
    max_train_samples: int | None = None
    max_eval_samples: int | None = None
    min_duration_in_seconds: float = 0.0
    max_duration_in_seconds: float = 20.0
    preprocessing_num_workers: int | None = None
    streaming: bool = field(
        default=False, metadata={"help": "Stream the training data (corpora larger than disk); needs --max_steps."}
    )
    static_padding: bool | None = field(
        default=None,
        metadata={"help": "Pad mels to static lengths (few shapes for compiled/CUDA graphs). Default: on with --torch_compile."},
    )
    num_mel_length_buckets: int = field(
        default=10,
        metadata={"help": "With static padding, a batch is padded to the shortest of this many static lengths that "
                  "fits (a geometric ladder from 256 frames to max_mel_length), so a compiled model compiles one "
                  "graph per length; 1 pads every batch to max_mel_length. Use --train_sampling_strategy "
                  "group_by_length so that a batch's utterances share a length."},
    )  # fmt: skip
    model_card_notes: str | None = field(default=None, metadata={"help": "Extra text for the model card (credits...)."})
    eval_language_model: str | None = field(
        default=None,
        metadata={"help": "A folder (or Hub repo) with a language_model/ (uomni-build-lm): evaluation also decodes "
                  "with it and reports `lm_wer` and `lm_cer` per set (and `mean_lm_wer`), what users of a folder "
                  "with that language model get; usable as --metric_for_best_model. Costs a beam search per "
                  "utterance."},
    )  # fmt: skip
    ship_best_to: str | None = field(
        default=None,
        metadata={"help": "A folder rewritten (weights, config, processor, model card) whenever the evaluation "
                  "metric (--metric_for_best_model) improves; the shipped checkpoint of a long run."},
    )  # fmt: skip


ALL_ARGUMENTS = (ModelArguments, DataTrainingArguments, AugmentationConfig, TrainingArguments)


def parse_args(
    argv: list[str] | None = None,
) -> tuple[ModelArguments, DataTrainingArguments, AugmentationConfig, TrainingArguments]:
    parser = HfArgumentParser(ALL_ARGUMENTS)
    if argv is None and len(sys.argv) == 2 and sys.argv[1].endswith(".json"):
        return parser.parse_json_file(os.path.abspath(sys.argv[1]))
    return parser.parse_args_into_dataclasses(args=argv)
