"""Fine-tune or pretrain AuT-Tiny with CTC, in the manner of Transformers' `run_speech_recognition_ctc.py`.

    uomni-train --dataset_name audiofolder --data_dir corpus --output_dir out --do_train --do_eval \\
        --torch_compile --per_device_train_batch_size 32 --num_train_epochs 20 --learning_rate 2e-3

Data come from `datasets` (any Hub name or `audiofolder`), decoded at 16 kHz by torchcodec + ffmpeg. Runs under
`torchrun --nproc_per_node N -m uomni_hf.training` (or `accelerate launch`) unchanged: Trainer does the DDP/FSDP.
"""

import logging
import os
import shutil
from pathlib import Path

import datasets
import jiwer
import numpy as np
import torch
import transformers
from datasets import DatasetDict, IterableDataset, concatenate_datasets
from transformers import EvalPrediction, Trainer, TrainerCallback, TrainingArguments, set_seed
from transformers.trainer import TRAINER_STATE_NAME
from transformers.trainer_pt_utils import LengthGroupedSampler
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR
from transformers.training_args import ParallelMode

from ..configuration_aut_tiny import AuTTinyConfig
from ..decoding_aut_tiny import LANGUAGE_MODEL_DIR, AuTTinyLMDecoder
from ..feature_extraction_aut_tiny import AuTTinyFeatureExtractor
from ..modeling_aut_tiny import AuTTinyForCTC
from ..processing_aut_tiny import AuTTinyProcessor, _language_model_dir
from ..text_normalization import normalize_transcript
from ..tokenization_aut_tiny import AuTTinyTokenizer
from .arguments import DataTrainingArguments, ModelArguments, parse_args
from .augmentation import AcousticAugmenter, AugmentationConfig
from .collator import DataCollatorCTCWithPadding, mel_length_buckets
from .data import audio_paths, load_split, make_prepare_fn, output_frames_fn, prepare_dataset
from .distillation import DistillationTargets
from .model_card import hand_written_sections, write_model_card


logger = logging.getLogger(__name__)


class EpochSeededLengthGroupedSampler(LengthGroupedSampler):
    """Trainer's length-grouped sampler shuffles with the global RNG, whose state when a run resumes mid-epoch is not
    the one that epoch began with: the resumed run would skip the first batches of another order, so that epoch would
    train on some utterances twice and others never. Seeding each epoch's shuffle from (seed, epoch) gives a resumed
    run the order of an uninterrupted one."""

    def __init__(self, batch_size: int, lengths: list[int], seed: int):
        super().__init__(batch_size, lengths=lengths)
        self.seed = seed
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        self.generator = torch.Generator().manual_seed(self.seed + epoch)


class CTCTrainer(Trainer):
    """Trainer with three changes: several evaluation sets also report their mean WER (`eval_mean_wer`, usable as
    `--metric_for_best_model mean_wer`; also `eval_mean_lm_wer` with `--eval_language_model`; sets named in
    `report_only_eval_sets` are reported but stay out of the mean), `push_to_hub` uploads
    the model card `uomni-train` wrote instead of replacing it with Trainer's generic one, and
    `--train_sampling_strategy group_by_length` resumes mid-epoch in the same order."""

    def _get_train_sampler(self, train_dataset=None):
        sampler = super()._get_train_sampler(train_dataset)
        if type(sampler) is LengthGroupedSampler:
            seed = self.args.data_seed if self.args.data_seed is not None else self.args.seed
            return EpochSeededLengthGroupedSampler(sampler.batch_size, sampler.lengths, seed)
        return sampler

    def __init__(self, *args, report_only_eval_sets: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.report_only_eval_sets = set(report_only_eval_sets)

    def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval") -> dict[str, float]:
        metrics = super().evaluate(eval_dataset, ignore_keys=ignore_keys, metric_key_prefix=metric_key_prefix)
        if eval_dataset is None and isinstance(self.eval_dataset, dict):
            chosen_by = [name for name in self.eval_dataset if name not in self.report_only_eval_sets]
            for metric in ("wer", "lm_wer"):
                keys = [f"{metric_key_prefix}_{name}_{metric}" for name in chosen_by]
                if all(key in metrics for key in keys):
                    metrics[f"{metric_key_prefix}_mean_{metric}"] = float(np.mean([metrics[key] for key in keys]))
                    self.log({f"{metric_key_prefix}_mean_{metric}": metrics[f"{metric_key_prefix}_mean_{metric}"]})
        return metrics

    def create_model_card(self, *args, **kwargs) -> None:
        """`uomni-train` writes README.md itself (data, metrics, the exact command) before pushing."""


class AugmentationEpochCallback(TrainerCallback):
    """Gives the augmenter the epoch, so each epoch draws new effects (seeded: the same in a resumed run)."""

    def __init__(self, augmenter: AcousticAugmenter):
        self.augmenter = augmenter

    def on_epoch_begin(self, args, state, control, **kwargs):
        self.augmenter.epoch = int(state.epoch + 1e-6) if state.epoch else 0


class ShipBestCallback(TrainerCallback):
    """Rewrites a shipped folder (weights, config, processor, model card) whenever a checkpoint is the best so far by
    `--metric_for_best_model`: a long run's result is always usable, whichever machine it stopped on."""

    def __init__(self, folder: str, processor: AuTTinyProcessor, card_kwargs: dict):
        self.folder = folder
        self.processor = processor
        self.card_kwargs = card_kwargs

    @staticmethod
    def _starting_value(args, state) -> float | None:
        """The metric of the weights the run started from (`--eval_on_start`): what the shipped folder holds when
        the run warm-starts from it. Trainer does not count that evaluation towards its best."""
        key = args.metric_for_best_model
        key = key if key.startswith("eval_") else f"eval_{key}"
        return next((entry[key] for entry in state.log_history if entry.get("step") == 0 and key in entry), None)

    def on_save(self, args, state, control, model=None, **kwargs):
        if not state.is_world_process_zero or state.best_global_step != state.global_step:
            return
        start = self._starting_value(args, state)
        better = (lambda a, b: a > b) if args.greater_is_better else (lambda a, b: a < b)
        if start is not None and not better(state.best_metric, start):
            logger.info(f"step {state.global_step}: {args.metric_for_best_model} {state.best_metric:.4f} does not beat "
                        f"the starting weights' {start:.4f}; {self.folder} is left as it is")  # fmt: skip
            return
        card = Path(self.folder) / "README.md"
        kept = hand_written_sections(card.read_text()) if card.is_file() else None
        evaluation = {k: v for entry in state.log_history if entry.get("step") == state.global_step
                      for k, v in entry.items() if k.startswith("eval_") and k.split("_")[-1] in ("wer", "cer", "loss")}  # fmt: skip
        model = model.without_distillation_head()  # the training-only head stays out of the shipped folder
        model.save_pretrained(self.folder)
        self.processor.save_pretrained(self.folder)
        provenance = (f"Shipped from step {state.global_step} (epoch {state.epoch:.2f}) of the run, the best so far by "
                      f"`{args.metric_for_best_model}` = {state.best_metric:.4f}.")  # fmt: skip
        write_model_card(self.folder, model, metrics=evaluation, kept_sections=kept, provenance=provenance,
                         **self.card_kwargs)  # fmt: skip
        logger.info(f"step {state.global_step}: new best {args.metric_for_best_model}; wrote {self.folder}")


def build_tokenizer(model_args: ModelArguments, transcripts) -> AuTTinyTokenizer:
    """The checkpoint's (or a named) tokenizer, else one trained on the training transcripts.

    Training is deterministic, so every process trains its own copy from the same data: no process waits for a file
    another one writes (on several nodes, that file may never appear on the others' disks)."""
    source = model_args.tokenizer_name_or_path or model_args.model_name_or_path
    if source is not None:
        return AuTTinyTokenizer.from_pretrained(source)
    tokenizer = AuTTinyTokenizer.from_transcripts(
        transcripts(), vocab_size=model_args.vocab_size, model_type=model_args.tokenizer_type
    )
    logger.info(f"trained a {model_args.tokenizer_type} vocabulary of {len(tokenizer)} tokens")
    return tokenizer


def build_model(model_args: ModelArguments, tokenizer: AuTTinyTokenizer, distillation_dim: int = 0) -> AuTTinyForCTC:
    """The checkpoint's model or a fresh one, with the config overrides of `model_args`. `distillation_dim`: the
    teacher's width when distilling (a model without a distillation head gets a new one); 0 drops a head that a
    checkpoint saved mid-distillation has, since nothing would train it."""
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
            "intermediate_ctc_layer",
            "intermediate_ctc_weight",
            "consistency_ctc_weight",
            "distillation_weight",
            "distillation_layer",
        )
        if getattr(model_args, name) is not None
    }
    if distillation_dim:
        overrides["distillation_dim"] = distillation_dim
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
    if not distillation_dim:
        model = model.without_distillation_head()
    if model_args.freeze_encoder:
        model.freeze_encoder()
    if model_args.freeze_feature_encoder:
        model.freeze_feature_encoder()
    return model


def make_compute_metrics(tokenizer: AuTTinyTokenizer, decoder: AuTTinyLMDecoder | None = None):
    """Greedy WER/CER from the ids `argmax_logits` kept; with a `decoder`, the predictions are `log_softmax_logits`'s
    log-probabilities, and the language model's beam search also gives `lm_wer` and `lm_cer`."""

    def compute_metrics(prediction: EvalPrediction) -> dict[str, float]:
        label_ids = np.where(prediction.label_ids == -100, tokenizer.pad_token_id, prediction.label_ids)
        references = tokenizer.batch_decode(label_ids, group_tokens=False)

        def error_rates(predictions: list[str], prefix: str = "") -> dict[str, float]:
            return {
                f"{prefix}wer": jiwer.wer(references, predictions),
                f"{prefix}cer": jiwer.cer(references, predictions),
            }

        if decoder is None:
            pred_ids = np.where(prediction.predictions == -100, tokenizer.pad_token_id, prediction.predictions)
            return error_rates(tokenizer.batch_decode(pred_ids))
        # Trainer pads batches to one length with -100 in every entry; the model's own padded frames are blank.
        rows = [row[row.max(-1) > -100] for row in prediction.predictions]
        return {**error_rates([tokenizer.decode(row.argmax(-1)) for row in rows]),
                **error_rates([tokenizer.decode(decoder.decode(row).path) for row in rows], prefix="lm_")}  # fmt: skip

    return compute_metrics


def argmax_logits(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Keep only greedy ids during evaluation instead of accumulating full logits."""
    return logits.argmax(dim=-1)


def log_softmax_logits(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """What a language model's beam search reads: log-probabilities, in float32 (padded frames hold float32's min)."""
    return torch.log_softmax(logits.float(), dim=-1)


def compile_one_graph_per_shape(num_shapes: int) -> None:
    """Static graphs for bucketed batches: dynamo's automatic dynamic shapes would otherwise turn the second length
    it sees into a dynamic-shape graph (slower, and torch 2.13's inductor fails to compile this model that way on CPU). Room for a
    graph per length, batch size (the last batch may be short) and train/eval mode."""
    torch._dynamo.config.automatic_dynamic_shapes = False
    torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, 4 * num_shapes)


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


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Console script `uomni-train`: train and/or evaluate, save the Hub folder; returns the metrics."""
    command = ["uomni-train", *argv] if argv is not None else None
    return run(*parse_args(argv), command=command)[1]


def _train_folders(data_args: DataTrainingArguments) -> list[tuple[str | None, str]]:
    """(folder, split) of each training source."""
    return [(data_args.data_dir, data_args.train_split_name)] + [(d, "train") for d in data_args.extra_train_data_dirs]


def _load_raw_splits(data_args: DataTrainingArguments, training_args: TrainingArguments) -> DatasetDict:
    raw = DatasetDict()
    if training_args.do_train:
        if data_args.streaming:
            raw["train"] = load_split(data_args, data_args.train_split_name, data_args.data_dir, streaming=True)
        else:
            parts = []
            for folder, split in _train_folders(data_args):
                part = load_split(data_args, split, folder)
                part = part.select_columns([data_args.audio_column_name, data_args.text_column_name])
                if data_args.distillation_targets:  # what each utterance's teacher states are keyed by
                    part = part.add_column("audio_path", audio_paths(part, data_args.audio_column_name))
                # Remembered per utterance, so the model card can say how many hours each source gave.
                parts.append(part.add_column("source", [Path(folder).name if folder else split] * len(part)))
            raw["train"] = concatenate_datasets(parts).shuffle(seed=training_args.seed)
            if data_args.max_train_samples is not None:
                raw["train"] = raw["train"].select(range(min(data_args.max_train_samples, len(raw["train"]))))
    if training_args.do_eval:
        for name, folder in _eval_folders(data_args).items():
            raw[name] = load_split(data_args, data_args.eval_split_name, folder)
            if data_args.max_eval_samples is not None:
                raw[name] = raw[name].select(range(min(data_args.max_eval_samples, len(raw[name]))))
    if data_args.test_split_name is not None:
        raw["test"] = load_split(data_args, data_args.test_split_name, data_args.data_dir)
    return raw


def _distillation_targets(data_args: DataTrainingArguments, train_dataset) -> DistillationTargets:
    """--distillation_targets: the targets files of the training folders, and how many utterances they cover."""
    split_dirs = [Path(folder) / split for folder, split in _train_folders(data_args) if folder]
    targets = DistillationTargets(split_dirs, data_args.distillation_targets)
    if not targets.files:
        raise ValueError(f"--distillation_targets {data_args.distillation_targets}: no training folder has that file "
                         f"({', '.join(map(str, split_dirs))}); examples/precompute_teacher.py writes it.")  # fmt: skip
    covered = sum(path in targets for path in train_dataset["audio_path"])
    logger.info(f"distillation: {targets.dim}-d teacher states for {covered} of {len(train_dataset)} training "
                f"utterances, from {', '.join(targets.files.values())}")  # fmt: skip
    return targets


def _eval_folders(data_args: DataTrainingArguments) -> dict[str, str | None]:
    """Split name → folder: `eval` alone, or one `eval_<folder name>` per folder with --extra_eval_data_dirs."""
    if not data_args.extra_eval_data_dirs and not data_args.report_eval_data_dirs:
        return {"eval": data_args.data_dir}
    folders = [data_args.data_dir, *data_args.extra_eval_data_dirs, *data_args.report_eval_data_dirs]
    names = [Path(folder).name for folder in folders]
    if len(set(names)) != len(names):
        raise ValueError(f"Evaluation folders need distinct names to report them apart, got {names}.")
    return {f"eval_{name}": folder for name, folder in zip(names, folders)}


def run(
    model_args: ModelArguments,
    data_args: DataTrainingArguments,
    augmentation: AugmentationConfig,
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

    if not (training_args.do_train or training_args.do_eval or data_args.test_split_name):
        raise ValueError(
            "Nothing to do: pass --do_train (train on --train_split_name), --do_eval (evaluate --eval_split_name) "
            "and/or --test_split_name."
        )
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

    if data_args.distillation_targets and data_args.streaming:
        raise ValueError("--distillation_targets keys teacher states by audio file, which --streaming does not keep.")
    raw = _load_raw_splits(data_args, training_args)
    distillation_targets = None
    if data_args.distillation_targets and "train" in raw:
        distillation_targets = _distillation_targets(data_args, raw["train"])

    def transcripts():
        texts = raw["train"] if "train" in raw else next(iter(raw.values()))
        for text in texts.select_columns([data_args.text_column_name]):
            yield normalize_transcript(text[data_args.text_column_name])

    if resume_from and model_args.tokenizer_name_or_path is None and model_args.model_name_or_path is None:
        model_args.tokenizer_name_or_path = resume_from  # the vocabulary the checkpoint was trained with
    tokenizer = build_tokenizer(model_args, transcripts)
    feature_extractor = (
        AuTTinyFeatureExtractor.from_pretrained(model_args.model_name_or_path)
        if model_args.model_name_or_path
        else AuTTinyFeatureExtractor()
    )
    processor = AuTTinyProcessor(feature_extractor, tokenizer)
    model = build_model(model_args, tokenizer, distillation_targets.dim if distillation_targets else 0)
    output_frames = output_frames_fn(feature_extractor, model.config)
    max_mel_length = model.config.max_mel_length
    max_samples = data_args.max_duration_in_seconds * 16000
    if static:
        max_samples = min(max_samples, max_mel_length * feature_extractor.hop_length - 1)

    # Decode, tokenize, filter, report.
    reports, prepared = {}, {}
    with training_args.main_process_first(desc="preprocess", local=False):
        for name, dataset in raw.items():
            if isinstance(dataset, IterableDataset):
                prepare = make_prepare_fn(data_args, tokenizer, name == "train", output_frames)
                prepared[name] = dataset.map(prepare, with_indices=True, remove_columns=dataset.column_names).filter(
                    lambda ex: ex["feasible"] and ex["input_length"] <= max_samples
                )
            else:
                prepared[name], reports[name] = prepare_dataset(
                    dataset, data_args, tokenizer, name, name == "train", max_samples, output_frames
                )

    # Numpy rows: audio arrives as arrays, not as Python lists of floats (which cost more than the training step).
    prepared = {name: dataset.with_format("numpy") for name, dataset in prepared.items()}
    eval_sets = {name: dataset for name, dataset in prepared.items() if name.startswith("eval")}
    eval_dataset = eval_sets.get("eval") if list(eval_sets) == ["eval"] else (
        {name.removeprefix("eval_"): dataset for name, dataset in eval_sets.items()} or None
    )  # fmt: skip

    augmenter = AcousticAugmenter(augmentation, seed=training_args.seed) if augmentation.enabled else None
    callbacks = list(callbacks or [])
    if augmenter is not None and "train" in prepared:
        callbacks.append(AugmentationEpochCallback(augmenter))
    static_mel_lengths = mel_length_buckets(max_mel_length, data_args.num_mel_length_buckets) if static else None
    if static and training_args.torch_compile:
        compile_one_graph_per_shape(len(static_mel_lengths))
    collator = DataCollatorCTCWithPadding(
        feature_extractor,
        static_mel_lengths=static_mel_lengths,
        mel_output_frames=model.config.num_output_frames,
        augmenter=augmenter,
        output_frames=output_frames,
        max_samples=int(max_samples),
        distillation_targets=distillation_targets,
    )
    decoder = None
    if data_args.eval_language_model:
        lm_dir = _language_model_dir(data_args.eval_language_model, {})
        if lm_dir is None:
            raise ValueError(f"--eval_language_model {data_args.eval_language_model} has no {LANGUAGE_MODEL_DIR}/ "
                             f"(uomni-build-lm --output_dir {data_args.eval_language_model} makes one).")  # fmt: skip
        decoder = AuTTinyLMDecoder.from_dir(lm_dir, tokenizer)
    card_kwargs = {"reports": reports, "notes": data_args.model_card_notes, "command": command}
    if data_args.ship_best_to:
        if training_args.metric_for_best_model is None:
            raise ValueError("--ship_best_to needs --metric_for_best_model (e.g. wer, or mean_wer) to know what is best.")
        callbacks.append(ShipBestCallback(data_args.ship_best_to, processor,
                                          {**card_kwargs, "model_reference": data_args.ship_best_to}))  # fmt: skip
    trainer = CTCTrainer(
        model=model,
        args=training_args,
        data_collator=collator,
        train_dataset=prepared.get("train"),
        eval_dataset=eval_dataset,
        processing_class=processor,
        compute_metrics=make_compute_metrics(tokenizer, decoder),
        preprocess_logits_for_metrics=argmax_logits if decoder is None else log_softmax_logits,
        callbacks=callbacks,
        report_only_eval_sets=tuple(Path(folder).name for folder in data_args.report_eval_data_dirs),
    )

    metrics = {}
    if training_args.do_train:
        result = trainer.train(resume_from_checkpoint=resume_from)
        trainer.save_model()
        if trainer.is_world_process_zero() and model.distillation_head is not None:
            # The Hub folder, like a shipped one, leaves the training-only head out (checkpoint-N folders keep it).
            model.without_distillation_head().save_pretrained(training_args.output_dir)
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
        shutil.rmtree(Path(training_args.output_dir) / "tokenizer", ignore_errors=True)  # left by older versions
        card_metrics = {k: v for k, v in metrics.items() if k.split("_")[-1] in ("wer", "cer", "loss")}
        write_model_card(training_args.output_dir, model, metrics=card_metrics, **card_kwargs)
    if training_args.push_to_hub:
        trainer.push_to_hub()
    return trainer, metrics


if __name__ == "__main__":
    main()
