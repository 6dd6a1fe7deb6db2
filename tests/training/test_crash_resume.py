"""Training survives a crash: SIGKILL at a random step, or in the middle of writing a checkpoint, then
`--resume_from_checkpoint latest` ends with the same weights as a run that was never interrupted."""

import json
import os
import random
import signal
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from uomni_hf.training import latest_complete_checkpoint, main

from ..conftest import train_args


KILLER = """
import os, signal, sys
from transformers import Trainer, TrainerCallback
from uomni_hf.training import parse_args, run

mode, step = sys.argv[1], int(sys.argv[2])

class KillAfterStep(TrainerCallback):
    def on_step_end(self, args, state, control, **kwargs):
        if mode == "step" and state.global_step == step:
            os.kill(os.getpid(), signal.SIGKILL)

save_optimizer = Trainer._save_optimizer_and_scheduler
def save_optimizer_then_die(self, output_dir):
    # The model file of this checkpoint is on disk, its optimizer and trainer state are not: a half-written save.
    if mode == "save" and self.state.global_step == step:
        os.kill(os.getpid(), signal.SIGKILL)
    save_optimizer(self, output_dir)
Trainer._save_optimizer_and_scheduler = save_optimizer_then_die

run(*parse_args(sys.argv[3:]), callbacks=[KillAfterStep()])
"""

COMMON = ["--do_train", "--max_steps", "8", "--save_strategy", "steps", "--save_steps", "2"]


@pytest.fixture(scope="module")
def uninterrupted(corpus, tmp_path_factory):
    output = tmp_path_factory.mktemp("straight")
    main(train_args(corpus, output, *COMMON))
    return load_file(output / "model.safetensors")


@pytest.mark.parametrize("mode", ["step", "save"])
def test_sigkill_then_resume_gives_the_weights_of_an_uninterrupted_run(corpus, uninterrupted, tmp_path, mode):
    step = random.choice([3, 5, 7]) if mode == "step" else random.choice([4, 6])
    output = tmp_path / "run"
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    killed = subprocess.run(
        [sys.executable, str(script), mode, str(step), *train_args(corpus, output, *COMMON)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert killed.returncode == -signal.SIGKILL, (step, killed.stderr[-2000:])
    assert not (output / "model.safetensors").exists()  # the run never finished

    last_saved = step - step % 2 - (2 if mode == "save" else 0)
    if mode == "save":
        half_written = output / f"checkpoint-{step}"
        assert (half_written / "model.safetensors").exists() and not (half_written / "trainer_state.json").exists()
    assert latest_complete_checkpoint(str(output)) == str(output / f"checkpoint-{last_saved}")

    main(train_args(corpus, output, *COMMON, "--resume_from_checkpoint", "latest"))
    assert json.loads((output / "trainer_state.json").read_text())["global_step"] == 8
    resumed = load_file(output / "model.safetensors")
    for name, expected in uninterrupted.items():
        torch.testing.assert_close(resumed[name], expected, atol=1e-6, rtol=1e-5, msg=f"{name} (killed at {step})")
