"""The training script: collator, feasibility report, compiled training, resume, two processes, pipeline."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from transformers import TrainerCallback, pipeline

from uomni_hf import AuTTinyFeatureExtractor
from uomni_hf.train_ctc import (
    DataCollatorCTCWithPadding,
    SpeechAugmenter,
    ctc_frames_needed,
    is_feasible,
    main,
    output_frames,
    parse_args,
    run,
)

from .conftest import train_args


def test_ctc_feasibility_counts_frames_and_repeat_blanks():
    assert ctc_frames_needed([5, 6, 7]) == 3
    assert ctc_frames_needed([5, 5, 6, 6, 6]) == 8
    assert output_frames(16000) == 13  # 101 mel frames → ceil(101 / 8)
    assert is_feasible(16000, [1] * 7) and not is_feasible(16000, [1] * 7 + [1])
    assert not is_feasible(16000, [])


def test_collator_pads_to_longest_or_to_a_static_shape():
    examples = [
        {"input_values": np.random.randn(16000).astype(np.float32), "labels": [3, 4, 5]},
        {"input_values": np.random.randn(8000).astype(np.float32), "labels": [6]},
    ]
    fe = AuTTinyFeatureExtractor()
    dynamic = DataCollatorCTCWithPadding(fe)(examples)
    assert dynamic["input_features"].shape == (2, 101, 128)
    assert dynamic["attention_mask"].sum(-1).tolist() == [101, 51]
    assert dynamic["labels"].tolist() == [[3, 4, 5], [6, -100, -100]]
    static = DataCollatorCTCWithPadding(fe, max_mel_length=256, max_label_length=32)(examples)
    assert static["input_features"].shape == (2, 256, 128)
    assert static["labels"].shape == (2, 32) and static["labels"][1, 1:].eq(-100).all()
    torch.testing.assert_close(static["input_features"][:, :101], dynamic["input_features"])
    # An utterance longer than the static shape (only evaluation data can be) is padded around, never cut.
    longer = DataCollatorCTCWithPadding(fe, max_mel_length=64, max_label_length=2)(examples)
    assert longer["input_features"].shape == (2, 101, 128) and longer["labels"].shape == (2, 3)


def test_augmenter_keeps_utterances_feasible_and_bounded():
    augmenter = SpeechAugmenter([0.9, 1.1], noise_prob=1.0, noise_snr_db=[20, 20], max_samples=17000)
    example = {"input_values": np.random.randn(16000).astype(np.float32), "labels": [3] * 5}
    lengths = {len(augmenter(example)["input_values"]) for _ in range(40)}
    assert lengths <= {16000, round(16000 / 1.1)}  # 0.9 would exceed max_samples, so it is skipped
    assert round(16000 / 1.1) in lengths
    tight = {"input_values": example["input_values"], "labels": [3, 4] * 6 + [5]}  # 13 labels, 13 frames
    assert all(len(augmenter(tight)["input_values"]) == 16000 for _ in range(20))  # 1.1 would be infeasible


def test_collator_augments_only_examples_marked_for_training():
    augmenter = SpeechAugmenter([1.1], noise_prob=0.0, noise_snr_db=[20, 20], max_samples=10**6)
    collator = DataCollatorCTCWithPadding(AuTTinyFeatureExtractor(), augmenter=augmenter)
    audio = np.random.randn(16000).astype(np.float32)
    train = collator([{"input_values": audio, "labels": [3], "augment": True}])
    evaluation = collator([{"input_values": audio, "labels": [3]}])
    assert train["attention_mask"].sum() == 1 + round(16000 / 1.1) // 160
    assert evaluation["attention_mask"].sum() == 101


def test_compiled_training_lowers_eval_loss_and_saves_a_pipeline_ready_folder(corpus, tmp_path):
    torch._dynamo.reset()
    output = tmp_path / "run"
    metrics = main(
        train_args(
            corpus, output,
            "--do_train", "--do_eval", "--test_split_name", "test",
            "--torch_compile", "--dataloader_drop_last", "--per_device_eval_batch_size", "1",
            "--max_steps", "24", "--eval_strategy", "steps", "--eval_steps", "24", "--eval_on_start",
            "--save_strategy", "no",
        )
    )  # fmt: skip
    history = json.loads((output / "trainer_state.json").read_text())["log_history"]
    eval_losses = [entry["eval_loss"] for entry in history if "eval_loss" in entry]
    assert len(eval_losses) >= 2 and eval_losses[-1] < 0.9 * eval_losses[0], eval_losses
    assert 0.0 <= metrics["eval_wer"] and 0.0 <= metrics["test_cer"]
    config = json.loads((output / "config.json").read_text())
    assert config["max_mel_length"] == 800 and config["num_hidden_layers"] == 1
    card = (output / "README.md").read_text()
    assert "--torch_compile" in card and "test_cer" in card
    assert {"model.safetensors", "tokenizer.json", "processor_config.json", "modeling_aut_tiny.py"} <= {
        p.name for p in output.iterdir()
    }

    asr = pipeline("automatic-speech-recognition", model=str(output))
    wav = sorted((corpus / "test").glob("*.wav"))[0]
    result = asr(str(wav))
    assert isinstance(result["text"], str)


class StopAtStep(TrainerCallback):
    def __init__(self, step: int):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            control.should_training_stop = True


def test_resume_from_checkpoint_reaches_the_same_weights(corpus, tmp_path):
    common = ["--do_train", "--max_steps", "6", "--save_strategy", "steps", "--save_steps", "3"]
    main(train_args(corpus, tmp_path / "straight", *common))
    interrupted = tmp_path / "interrupted"
    run(*parse_args(train_args(corpus, interrupted, *common)), callbacks=[StopAtStep(3)])
    assert json.loads((interrupted / "trainer_state.json").read_text())["global_step"] == 3
    main(train_args(corpus, interrupted, *common, "--resume_from_checkpoint", "latest"))
    assert json.loads((interrupted / "trainer_state.json").read_text())["global_step"] == 6
    straight = load_file(tmp_path / "straight" / "model.safetensors")
    resumed = load_file(interrupted / "model.safetensors")
    for name in straight:
        torch.testing.assert_close(resumed[name], straight[name], atol=1e-6, rtol=1e-5, msg=name)


WORKER = """
import os, sys, torch
from uomni_hf.train_ctc import parse_args, run
trainer, _ = run(*parse_args(sys.argv[1:]))
state = {k: v.detach().cpu() for k, v in trainer.model.state_dict().items()}
torch.save(state, os.path.join(sys.argv[sys.argv.index("--output_dir") + 1], f"rank{os.environ['RANK']}.pt"))
"""


def test_two_processes_with_torchrun_end_with_identical_weights(corpus, tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    output = tmp_path / "ddp"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        str(script), *train_args(corpus, output, "--do_train", "--max_steps", "4", "--save_strategy", "no",
                                 "--ddp_backend", "gloo", "--use_cpu"),
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-4000:]
    rank0, rank1 = torch.load(output / "rank0.pt"), torch.load(output / "rank1.pt")
    assert rank0.keys() == rank1.keys()
    for name in rank0:
        torch.testing.assert_close(rank0[name], rank1[name], msg=name)
    state = json.loads((output / "trainer_state.json").read_text())
    assert state["global_step"] == 4
