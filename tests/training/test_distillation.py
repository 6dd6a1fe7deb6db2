"""Distillation in `uomni-train` (--distillation_targets): teacher states found by audio file, stretched by the
collator to the frames of the speed-perturbed audio the model hears, absent for folders or utterances without them,
and a run that trains the head but saves and ships folders without it."""

import csv
import json
import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.numpy import save_file
from safetensors.torch import load_file

from uomni_hf import AuTTinyConfig, AuTTinyFeatureExtractor, AuTTinyForCTC
from uomni_hf.training import (
    AcousticAugmenter,
    AugmentationConfig,
    DataCollatorCTCWithPadding,
    ModelArguments,
    build_model,
    output_frames_fn,
    parse_args,
    run,
)
from uomni_hf.training.distillation import DistillationTargets

from ..conftest import train_args
from .test_run import SHIP_ARGS, best_at


def test_targets_are_found_by_the_audio_files_path_in_its_split_folder(tmp_path):
    split = tmp_path / "data" / "train"
    split.mkdir(parents=True)
    save_file({"19/a.opus": np.ones((3, 4), np.float16)}, str(split / "t.safetensors"))
    targets = DistillationTargets([split, tmp_path / "plain" / "train"], "t.safetensors")
    assert targets.dim == 4 and list(targets.files) == [str(split)]
    found = targets(str(split / "19" / "a.opus"))
    assert found.dtype == np.float32 and found.shape == (3, 4)
    assert str(split / "19" / "a.opus") in targets
    assert targets(str(split / "19" / "b.opus")) is None  # no entry
    assert targets(str(tmp_path / "plain" / "train" / "19" / "a.opus")) is None  # a folder without the file
    assert targets("19/a.opus") is None and targets("") is None  # audio stored inline has no file path
    # Spawned dataloader workers get a copy that opens the file anew.
    assert pickle.loads(pickle.dumps(targets))(str(split / "19" / "a.opus")).shape == (3, 4)


def test_the_collator_stretches_teacher_frames_to_the_speed_perturbed_output_frames(tmp_path):
    split = tmp_path / "train"
    split.mkdir()
    ramp = np.repeat(np.arange(13, dtype=np.float16)[:, None], 4, axis=1)  # 1 s of clean audio: 13 frames, frame i = i
    save_file({"a.wav": ramp}, str(split / "t.safetensors"))
    targets = DistillationTargets([split], "t.safetensors")
    fe, config = AuTTinyFeatureExtractor(), AuTTinyConfig(num_hidden_layers=1, distillation_dim=4)
    audio = np.random.randn(16000).astype(np.float32)

    def example(name: str, augment: bool = True) -> dict:
        return {"input_values": audio, "labels": [3], "augment": augment, "index": 0, "audio_path": str(split / name)}

    for speed, frames in ((1.1, 12), (0.9, 14)):  # faster: fewer frames than the teacher's 13; slower: more
        augmenter = AcousticAugmenter(AugmentationConfig(speed_factors=[speed]), seed=0)
        collator = DataCollatorCTCWithPadding(fe, augmenter=augmenter, output_frames=output_frames_fn(fe, config),
                                              distillation_targets=targets)  # fmt: skip
        # A training utterance with a teacher, one without an entry, and an evaluation example (never a teacher).
        batch = collator([example("a.wav"), example("b.wav"), example("a.wav", augment=False)])
        width = max(frames, 13)
        assert batch["teacher_states"].shape == (3, width, 4) and batch["teacher_states"].dtype == torch.float32
        assert int(config.num_output_frames(batch["attention_mask"][0].sum())) == frames
        assert batch["teacher_mask"].sum(-1).tolist() == [frames, 0, 0]
        # Frame centres onto frame centres: student frame j of audio `speed` times faster is clean time
        # (j + 0.5) * 80 ms * speed, teacher frame (j + 0.5) * 13 / frames - 0.5.
        expected = np.clip((np.arange(frames) + 0.5) * 13 / frames - 0.5, 0, 12)
        np.testing.assert_allclose(batch["teacher_states"][0, :frames, 0].numpy(), expected, rtol=1e-5, atol=1e-5)
        assert not batch["teacher_states"][0, frames:].any() and not batch["teacher_states"][1:].any()
        out = AuTTinyForCTC(config)(**batch)  # the shapes the model checks
        assert torch.isfinite(out.loss) and out.distillation_loss > 0
    assert "teacher_states" not in collator([example("a.wav", augment=False)])  # evaluation batches: CTC alone


def folder_with_targets(corpus: Path, root: Path, dim: int = 8) -> tuple[Path, set[str]]:
    """The corpus's training split under a new folder (links), with made-up teacher states for every other utterance;
    returns the folder and the audio paths that have them."""
    split = root / "distilled" / "train"
    split.mkdir(parents=True)
    for file in (corpus / "train").iterdir():
        (split / file.name).symlink_to(file)
    with open(corpus / "train" / "metadata.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    rng = np.random.default_rng(0)
    frames = {row["file_name"]: rng.standard_normal((math.ceil(float(row["duration"]) * 12.5), dim)).astype(np.float16)
              for row in rows[::2]}  # fmt: skip
    save_file(frames, str(split / "teacher.safetensors"))
    return split.parent, {str(split / name) for name in frames}


def test_a_distilled_run_mixes_sources_trains_the_head_and_saves_without_it(corpus, tmp_path):
    distilled, with_teacher = folder_with_targets(corpus, tmp_path)
    output = tmp_path / "run"
    # The corpus itself has no targets file: its utterances train on CTC alone beside the distilled folder's.
    trainer, _ = run(*parse_args(train_args(
        corpus, output, "--do_train", "--max_steps", "2", "--save_strategy", "steps", "--save_steps", "2",
        "--logging_steps", "1", "--extra_train_data_dirs", str(distilled), "--speed_perturbation", "0.9", "1.1",
        "--distillation_targets", "teacher.safetensors", "--distillation_weight", "0.5",
    )))  # fmt: skip
    model = trainer.model
    assert model.distillation_head.weight.shape == (8, model.config.hidden_size)
    assert (model.config.distillation_dim, model.config.distillation_weight) == (8, 0.5)
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    assert len(losses) == 2 and all(np.isfinite(losses))

    # Each training utterance carries its audio file; exactly those of the distilled folder with an entry get a teacher.
    examples = [trainer.train_dataset[i] for i in range(len(trainer.train_dataset))]
    batch = trainer.data_collator(examples)
    has_teacher = batch["teacher_mask"].any(-1).tolist()
    assert has_teacher == [str(example["audio_path"]) in with_teacher for example in examples]
    assert 0 < sum(has_teacher) < len(examples)

    # Checkpoints keep the head (to resume); the final folder ships without it, with the trained model's logits.
    assert any(name.startswith("distillation_head.") for name in load_file(output / "checkpoint-2" / "model.safetensors"))
    assert not any(name.startswith("distillation_head.") for name in load_file(output / "model.safetensors"))
    assert json.loads((output / "config.json").read_text())["distillation_dim"] == 0
    shipped = AuTTinyForCTC.from_pretrained(output).eval()
    features = {k: v for k, v in batch.items() if k in ("input_features", "attention_mask")}
    torch.testing.assert_close(shipped(**features).logits, model.eval()(**features).logits)


def test_distillation_needs_a_targets_file_and_no_streaming(corpus, tmp_path):
    with pytest.raises(ValueError, match="no training folder has that file"):
        run(*parse_args(train_args(corpus, tmp_path / "a", "--do_train", "--distillation_targets", "none.safetensors")))
    with pytest.raises(ValueError, match="--streaming"):
        run(*parse_args(train_args(corpus, tmp_path / "b", "--do_train", "--streaming", "--max_steps", "1",
                                   "--distillation_targets", "teacher.safetensors")))  # fmt: skip


def test_build_model_adds_a_head_to_distill_and_drops_one_otherwise(tiny_config, tokenizer, tmp_path):
    AuTTinyForCTC(tiny_config).save_pretrained(tmp_path / "plain")
    tiny_config.distillation_dim = 8
    AuTTinyForCTC(tiny_config).save_pretrained(tmp_path / "mid_distillation")
    distilling = build_model(ModelArguments(model_name_or_path=str(tmp_path / "plain"), distillation_layer=1), tokenizer,
                             distillation_dim=384)  # fmt: skip
    assert distilling.distillation_head.weight.shape == (384, 32) and distilling.config.distillation_layer == 1
    plain = build_model(ModelArguments(model_name_or_path=str(tmp_path / "mid_distillation")), tokenizer)
    assert plain.distillation_head is None and plain.config.distillation_dim == 0  # nothing would train it


def test_the_shipped_folder_leaves_the_head_out(tiny_config, processor, tmp_path):
    from uomni_hf.training.run import ShipBestCallback

    tiny_config.distillation_dim = 8
    model = AuTTinyForCTC(tiny_config)
    callback = ShipBestCallback(str(tmp_path / "shipped"), processor, {"reports": {}, "notes": None, "command": ["x"]})
    callback.on_save(SHIP_ARGS, best_at(500, 0.6), None, model=model)
    assert not any(name.startswith("distillation_head.") for name in load_file(tmp_path / "shipped" / "model.safetensors"))
    assert json.loads((tmp_path / "shipped" / "config.json").read_text())["distillation_dim"] == 0
    assert model.distillation_head is not None  # training goes on with it
