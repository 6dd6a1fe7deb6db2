"""`uomni-train`: CTC training of AuT-Tiny with Transformers' Trainer (arguments, data, acoustic augmentation,
collation, the run itself, and the model card it writes)."""

from .arguments import DataTrainingArguments, ModelArguments, parse_args
from .augmentation import AcousticAugmenter, AugmentationConfig
from .collator import DataCollatorCTCWithPadding
from .data import is_feasible, output_frames_fn
from .run import build_model, build_tokenizer, latest_complete_checkpoint, main, run


__all__ = [
    "AcousticAugmenter",
    "AugmentationConfig",
    "DataCollatorCTCWithPadding",
    "DataTrainingArguments",
    "ModelArguments",
    "build_model",
    "build_tokenizer",
    "is_feasible",
    "latest_complete_checkpoint",
    "main",
    "output_frames_fn",
    "parse_args",
    "run",
]
