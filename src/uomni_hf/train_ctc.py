"""Fine-tune or pretrain AuT-Tiny with CTC, in the manner of Transformers' `run_speech_recognition_ctc.py`.

    uomni-train --dataset_name audiofolder --data_dir corpus --output_dir out --do_train --do_eval \\
        --torch_compile --per_device_train_batch_size 32 --num_train_epochs 20 --learning_rate 2e-3

Data come from `datasets` (any Hub name or `audiofolder`), decoded at 16 kHz by torchcodec + ffmpeg. Runs under
`torchrun --nproc_per_node N` (or `accelerate launch`) unchanged: Trainer does the DDP/FSDP.
"""

import logging
import math
import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import datasets
import numpy as np
import torch
import transformers
from datasets import Audio, DatasetDict, IterableDataset, concatenate_datasets, load_dataset
from transformers import EvalPrediction, HfArgumentParser, Trainer, TrainerCallback, TrainingArguments, set_seed
from transformers.trainer import TRAINER_STATE_NAME
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR
from transformers.training_args import ParallelMode

from . import AuTTinyConfig, AuTTinyFeatureExtractor, AuTTinyForCTC, AuTTinyProcessor, AuTTinyTokenizer
from .metrics import load_metric
from .text_normalization import normalize_transcript


logger = logging.getLogger(__name__)


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
    hidden_dropout: float | None = None
    attention_dropout: float | None = None
    activation_dropout: float | None = None
    final_dropout: float | None = None
    mask_time_prob: float | None = field(default=None, metadata={"help": "SpecAugment time masking (fraction)."})
    mask_feature_prob: float | None = field(default=None, metadata={"help": "SpecAugment frequency masking."})
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
        metadata={"help": "Pad mels to max_mel_length (one shape for compiled/CUDA graphs). Default: on with --torch_compile."},
    )
    speed_perturbation: list[float] = field(
        default_factory=list, metadata={"help": "Speed factors drawn per training utterance, e.g. 0.9 1.0 1.1.", "nargs": "*"}
    )
    noise_prob: float = field(default=0.0, metadata={"help": "Probability of adding white noise to a training utterance."})
    noise_snr_db: list[float] = field(default_factory=lambda: [10.0, 40.0], metadata={"nargs": 2})
    model_card_notes: str | None = field(default=None, metadata={"help": "Extra text for the model card (credits...)."})


def ctc_frames_needed(labels: list[int]) -> int:
    """CTC needs one frame per label plus a blank between each pair of equal neighbours."""
    return len(labels) + sum(a == b for a, b in zip(labels, labels[1:]))


def output_frames(num_samples: int, hop_length: int = 160, subsampling: int = 8) -> int:
    return math.ceil((1 + num_samples // hop_length) / subsampling)


def is_feasible(num_samples: int, labels: list[int]) -> bool:
    return 0 < ctc_frames_needed(labels) <= output_frames(num_samples)


class SpeechAugmenter:
    """Per-utterance speed perturbation and white noise on raw audio, drawn afresh each epoch; keeps every utterance
    CTC-feasible and short enough for static padding."""

    def __init__(self, speed_factors: list[float], noise_prob: float, noise_snr_db: list[float], max_samples: int):
        self.speed_factors = [float(f) for f in speed_factors]
        self.noise_prob = noise_prob
        self.noise_snr_db = noise_snr_db
        self.max_samples = max_samples

    def __call__(self, example: dict) -> dict:
        audio = np.asarray(example["input_values"], dtype=np.float32)
        rng = np.random.default_rng()
        if self.speed_factors:
            factor = float(rng.choice(self.speed_factors))
            new_length = int(round(len(audio) / factor))
            if factor != 1.0 and new_length <= self.max_samples and is_feasible(new_length, example["labels"]):
                # Resampling by linear interpolation changes tempo and pitch together, like `sox speed`.
                audio = np.interp(np.linspace(0, len(audio) - 1, new_length), np.arange(len(audio)), audio)
        if self.noise_prob > 0 and rng.random() < self.noise_prob:
            snr_db = rng.uniform(*self.noise_snr_db)
            power = float(np.mean(audio**2)) + 1e-10
            audio = audio + rng.standard_normal(len(audio)) * math.sqrt(power / 10 ** (snr_db / 10))
        return {**example, "input_values": audio.astype(np.float32)}


@dataclass
class DataCollatorCTCWithPadding:
    """Featurizes raw audio and pads a batch: mels to the longest utterance, or, with `max_mel_length`, to that
    static length (one shape for compiled graphs and CUDA graphs); labels padded with -100 (to `max_label_length`
    when given). Nothing is ever cut: training data are filtered to fit the static shape, and a longer evaluation
    utterance gets a longer batch rather than a truncated transcript."""

    feature_extractor: AuTTinyFeatureExtractor
    max_mel_length: int | None = None
    max_label_length: int | None = None
    augmenter: SpeechAugmenter | None = None

    def __call__(self, examples: list[dict]) -> dict[str, torch.Tensor]:
        if self.augmenter is not None:
            # Only training examples carry `augment`: one collator serves training and evaluation.
            examples = [self.augmenter(ex) if ex.get("augment") else ex for ex in examples]
        audio = [np.asarray(example["input_values"], dtype=np.float32) for example in examples]
        longest = max(self.feature_extractor.num_frames(len(a)) for a in audio)
        batch = self.feature_extractor(
            audio,
            sampling_rate=self.feature_extractor.sampling_rate,
            padding="max_length",
            max_length=max(self.max_mel_length or 0, longest),
            return_tensors="pt",
        )
        labels = [list(example["labels"]) for example in examples]
        width = max(self.max_label_length or 0, max(len(row) for row in labels))
        batch["labels"] = torch.tensor([row + [-100] * (width - len(row)) for row in labels])
        return dict(batch)


def load_split(data_args: DataTrainingArguments, split: str, data_dir: str | None, streaming: bool = False):
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


def make_prepare_fn(data_args: DataTrainingArguments, tokenizer: AuTTinyTokenizer, for_training: bool):
    def prepare(example: dict) -> dict:
        audio = example[data_args.audio_column_name]
        samples = np.asarray(audio["array"], dtype=np.float32)
        if samples.ndim > 1:
            samples = samples.mean(axis=0)
        text = normalize_transcript(example[data_args.text_column_name])
        labels = tokenizer(text)["input_ids"]
        return {
            "input_values": samples,
            "input_length": len(samples),
            "labels": labels,
            "text": text,
            "feasible": is_feasible(len(samples), labels),
            "augment": for_training,  # the collator augments training examples only
        }

    return prepare


def prepare_dataset(dataset, data_args, tokenizer, split_label: str, for_training: bool, max_samples: float):
    """Decode, normalize and tokenize; then report (and for training, drop) what CTC cannot learn or what does not
    fit `max_samples` (the duration limit, or the static shape)."""
    dataset = dataset.map(
        make_prepare_fn(data_args, tokenizer, for_training),
        remove_columns=dataset.column_names,
        num_proc=data_args.preprocessing_num_workers,
        desc=f"preprocess {split_label}",
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
    keep = in_range & feasible if for_training else has_text
    if not keep.all():
        dataset = dataset.select(np.flatnonzero(keep))
    return dataset, report


def build_tokenizer(model_args: ModelArguments, output_dir: str, transcripts, is_main_process: bool) -> AuTTinyTokenizer:
    source = model_args.tokenizer_name_or_path or model_args.model_name_or_path
    if source is not None:
        return AuTTinyTokenizer.from_pretrained(source)
    tokenizer_dir = Path(output_dir) / "tokenizer"
    if is_main_process:
        tokenizer = AuTTinyTokenizer.from_transcripts(
            transcripts(), vocab_size=model_args.vocab_size, model_type=model_args.tokenizer_type
        )
        tokenizer.save_pretrained(tokenizer_dir)
        logger.info(f"trained a {model_args.tokenizer_type} vocabulary of {len(tokenizer)} tokens")
        return tokenizer
    return AuTTinyTokenizer.from_pretrained(tokenizer_dir)


def build_model(model_args: ModelArguments, tokenizer: AuTTinyTokenizer) -> AuTTinyForCTC:
    overrides = {
        name: getattr(model_args, name)
        for name in (
            "hidden_dropout",
            "attention_dropout",
            "activation_dropout",
            "final_dropout",
            "mask_time_prob",
            "mask_feature_prob",
            "max_mel_length",
        )
        if getattr(model_args, name) is not None
    }
    if model_args.model_name_or_path is not None:
        model = AuTTinyForCTC.from_pretrained(model_args.model_name_or_path, **overrides)
    else:
        config = AuTTinyConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, **overrides)
        if model_args.config_overrides:
            config.update_from_string(model_args.config_overrides)
            config = AuTTinyConfig(**config.to_dict())  # validate the result
        model = AuTTinyForCTC(config)
    if model.config.vocab_size != len(tokenizer) or model.config.pad_token_id != tokenizer.pad_token_id:
        raise ValueError(
            f"The model's vocab_size ({model.config.vocab_size}) / pad_token_id ({model.config.pad_token_id}) disagree "
            f"with the tokenizer ({len(tokenizer)} tokens, pad id {tokenizer.pad_token_id}); use the checkpoint's own "
            "tokenizer or train from scratch."
        )
    if model_args.freeze_encoder:
        model.freeze_encoder()
    return model


def make_compute_metrics(tokenizer: AuTTinyTokenizer):
    wer, cer = load_metric("wer"), load_metric("cer")

    def compute_metrics(prediction: EvalPrediction) -> dict[str, float]:
        pred_ids = np.where(prediction.predictions == -100, tokenizer.pad_token_id, prediction.predictions)
        label_ids = np.where(prediction.label_ids == -100, tokenizer.pad_token_id, prediction.label_ids)
        predictions = tokenizer.batch_decode(pred_ids)
        references = tokenizer.batch_decode(label_ids, group_tokens=False)
        return {
            "wer": wer.compute(predictions=predictions, references=references),
            "cer": cer.compute(predictions=predictions, references=references),
        }

    return compute_metrics


def argmax_logits(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Keep only greedy ids during evaluation instead of accumulating full logits."""
    return logits.argmax(dim=-1)


def write_model_card(
    output_dir: str, model: AuTTinyForCTC, reports: dict, metrics: dict, notes: str | None, command: list[str] | None
) -> None:
    command = " ".join(shlex.quote(arg) for arg in command or [Path(sys.argv[0]).name, *sys.argv[1:]])
    encoder_params = sum(p.numel() for p in model.model.parameters())
    data_rows = "\n".join(
        f"| {name} | {r['utterances']} | {r['hours']:.2f} | {r['ctc_infeasible']} |" for name, r in reports.items()
    )
    metric_rows = "\n".join(f"| {name} | {value:.4f} |" for name, value in sorted(metrics.items()))
    card = f"""---
library_name: transformers
pipeline_tag: automatic-speech-recognition
tags: [uomni-hf, aut-tiny, ctc, speech-recognition]
language: [en]
---

# AuT-Tiny CTC

AuT-Tiny, the audio encoder of μOmni ({encoder_params / 1e6:.2f} M parameters, encoder + projector), with a
{model.config.vocab_size}-token CTC head, trained with `uomni_hf`'s `uomni-train`.

```python
import uomni_hf  # or pass trust_remote_code=True without the package
from transformers import pipeline
asr = pipeline("automatic-speech-recognition", model="{output_dir}")
print(asr("speech.wav")["text"])
```

## Data

| split | utterances | hours | CTC-infeasible |
|---|---|---|---|
{data_rows}

CTC-infeasible utterances (more labels than 12.5 Hz output frames) are dropped from training and kept in evaluation.

## Metrics

| metric | value |
|---|---|
{metric_rows}

## Training command

```bash
{command}
```
"""
    if notes:
        card += f"\n## Notes\n\n{notes}\n"
    Path(output_dir, "README.md").write_text(card)


def latest_complete_checkpoint(output_dir: str) -> str | None:
    """The newest checkpoint-N that Trainer finished writing. Trainer writes `trainer_state.json` last and not
    atomically, so a process killed while saving leaves a checkpoint without it, which resume must skip."""
    if not os.path.isdir(output_dir):
        return None
    checkpoints = [p for p in Path(output_dir).glob(f"{PREFIX_CHECKPOINT_DIR}-*") if p.name.split("-")[-1].isdigit()]
    for checkpoint in sorted(checkpoints, key=lambda p: int(p.name.split("-")[-1]), reverse=True):
        if (checkpoint / TRAINER_STATE_NAME).is_file():
            return str(checkpoint)
        logger.warning(f"skipping {checkpoint}: incomplete (no {TRAINER_STATE_NAME}; the run died while saving it)")
    return None


def parse_args(argv: list[str] | None = None) -> tuple[ModelArguments, DataTrainingArguments, TrainingArguments]:
    parser = HfArgumentParser((ModelArguments, DataTrainingArguments, TrainingArguments))
    if argv is None and len(sys.argv) == 2 and sys.argv[1].endswith(".json"):
        return parser.parse_json_file(os.path.abspath(sys.argv[1]))
    return parser.parse_args_into_dataclasses(args=argv)


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Console script `uomni-train`: train and/or evaluate, save the Hub folder; returns the metrics."""
    command = ["uomni-train", *argv] if argv is not None else None
    return run(*parse_args(argv), command=command)[1]


def run(
    model_args: ModelArguments,
    data_args: DataTrainingArguments,
    training_args: TrainingArguments,
    command: list[str] | None = None,
    callbacks: list[TrainerCallback] | None = None,
) -> tuple[Trainer, dict[str, float]]:
    """Train and/or evaluate; `command` (default: this process's argv) goes into the model card."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    if not training_args.should_log:
        logger.setLevel(logging.WARNING)
    datasets.utils.logging.set_verbosity_warning()
    transformers.utils.logging.set_verbosity_warning()
    set_seed(training_args.seed)

    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and training_args.parallel_mode != ParallelMode.DISTRIBUTED:
        raise ValueError(
            "Launched with several processes, but Trainer is not running them as one distributed job (each would "
            "train alone). On a machine without GPUs pass --use_cpu (DDP over gloo)."
        )

    # Our datasets hold raw audio ("input_values"); the collator turns it into "input_features".
    training_args.remove_unused_columns = False
    training_args.length_column_name = "input_length"
    static = data_args.static_padding if data_args.static_padding is not None else training_args.torch_compile

    # `--resume_from_checkpoint latest` picks the newest complete checkpoint-N in output_dir (e.g. after a crash).
    resume_from = training_args.resume_from_checkpoint
    if resume_from == "latest":
        resume_from = latest_complete_checkpoint(training_args.output_dir)
        if resume_from is None:
            logger.info(f"no complete checkpoint in {training_args.output_dir}: starting from scratch")

    # Raw splits.
    raw = DatasetDict()
    if training_args.do_train:
        if data_args.streaming:
            raw["train"] = load_split(data_args, data_args.train_split_name, data_args.data_dir, streaming=True)
        else:
            parts = [load_split(data_args, data_args.train_split_name, data_args.data_dir)]
            parts += [load_split(data_args, "train", extra) for extra in data_args.extra_train_data_dirs]
            parts = [p.select_columns([data_args.audio_column_name, data_args.text_column_name]) for p in parts]
            raw["train"] = concatenate_datasets(parts).shuffle(seed=training_args.seed)
            if data_args.max_train_samples is not None:
                raw["train"] = raw["train"].select(range(min(data_args.max_train_samples, len(raw["train"]))))
    if training_args.do_eval:
        raw["eval"] = load_split(data_args, data_args.eval_split_name, data_args.data_dir)
        if data_args.max_eval_samples is not None:
            raw["eval"] = raw["eval"].select(range(min(data_args.max_eval_samples, len(raw["eval"]))))
    if data_args.test_split_name is not None:
        raw["test"] = load_split(data_args, data_args.test_split_name, data_args.data_dir)

    def transcripts():
        texts = raw["train"] if "train" in raw else next(iter(raw.values()))
        for text in texts.select_columns([data_args.text_column_name]):
            yield normalize_transcript(text[data_args.text_column_name])

    if resume_from and model_args.tokenizer_name_or_path is None and model_args.model_name_or_path is None:
        model_args.tokenizer_name_or_path = resume_from  # the vocabulary the checkpoint was trained with
    with training_args.main_process_first(desc="tokenizer"):
        tokenizer = build_tokenizer(model_args, training_args.output_dir, transcripts, training_args.process_index == 0)
    feature_extractor = (
        AuTTinyFeatureExtractor.from_pretrained(model_args.model_name_or_path)
        if model_args.model_name_or_path
        else AuTTinyFeatureExtractor()
    )
    processor = AuTTinyProcessor(feature_extractor, tokenizer)
    model = build_model(model_args, tokenizer)
    max_mel_length = model.config.max_mel_length
    max_samples = data_args.max_duration_in_seconds * 16000
    if static:
        max_samples = min(max_samples, max_mel_length * feature_extractor.hop_length - 1)

    # Decode, tokenize, filter, report.
    reports, prepared = {}, {}
    with training_args.main_process_first(desc="preprocess"):
        for name, dataset in raw.items():
            if isinstance(dataset, IterableDataset):
                prepare = make_prepare_fn(data_args, tokenizer, for_training=name == "train")
                prepared[name] = dataset.map(prepare, remove_columns=dataset.column_names).filter(
                    lambda ex: ex["feasible"] and ex["input_length"] <= max_samples
                )
            else:
                prepared[name], reports[name] = prepare_dataset(
                    dataset, data_args, tokenizer, name, name == "train", max_samples
                )

    # Numpy rows: audio arrives as arrays, not as Python lists of floats (which cost more than the training step).
    prepared = {name: dataset.with_format("numpy") for name, dataset in prepared.items()}

    augmenter = None
    if "train" in prepared and (data_args.speed_perturbation or data_args.noise_prob > 0):
        augmenter = SpeechAugmenter(
            data_args.speed_perturbation, data_args.noise_prob, data_args.noise_snr_db, max_samples
        )

    collator = DataCollatorCTCWithPadding(
        feature_extractor,
        max_mel_length=max_mel_length if static else None,
        max_label_length=math.ceil(max_mel_length / model.config.subsampling_factor) if static else None,
        augmenter=augmenter,
    )
    trainer = Trainer(
        model=model,
        args=training_args,
        data_collator=collator,
        train_dataset=prepared.get("train"),
        eval_dataset=prepared.get("eval"),
        processing_class=processor,
        compute_metrics=make_compute_metrics(tokenizer),
        preprocess_logits_for_metrics=argmax_logits,
        callbacks=callbacks,
    )

    metrics = {}
    if training_args.do_train:
        result = trainer.train(resume_from_checkpoint=resume_from)
        trainer.save_model()
        trainer.log_metrics("train", result.metrics)
        trainer.save_metrics("train", result.metrics)
        trainer.save_state()
        metrics.update({f"train_{k}" if not k.startswith("train") else k: v for k, v in result.metrics.items()})
    if training_args.do_eval:
        eval_metrics = trainer.evaluate()
        trainer.log_metrics("eval", eval_metrics)
        trainer.save_metrics("eval", eval_metrics)
        metrics.update(eval_metrics)
    if "test" in prepared:
        test_metrics = trainer.evaluate(prepared["test"], metric_key_prefix="test")
        trainer.log_metrics("test", test_metrics)
        trainer.save_metrics("test", test_metrics)
        metrics.update(test_metrics)

    if trainer.is_world_process_zero():
        processor.save_pretrained(training_args.output_dir)
        shutil.rmtree(Path(training_args.output_dir) / "tokenizer", ignore_errors=True)  # now saved beside the model
        card_metrics = {k: v for k, v in metrics.items() if k.split("_", 1)[-1] in ("wer", "cer", "loss")}
        write_model_card(
            training_args.output_dir, model, reports, card_metrics, data_args.model_card_notes, command
        )
    if training_args.push_to_hub:
        trainer.push_to_hub()
    return trainer, metrics


if __name__ == "__main__":
    main()
