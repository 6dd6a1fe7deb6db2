"""scripts/average_checkpoints.py: the output's weights are the mean of the inputs'."""

import importlib.util
from pathlib import Path

import torch

from uomni_hf import AuTTinyForCTC

SCRIPT = Path(__file__).parents[1] / "scripts" / "average_checkpoints.py"


def test_weights_are_averaged(tiny_config, processor, tmp_path):
    spec = importlib.util.spec_from_file_location("average_checkpoints", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    folders = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        folder = tmp_path / f"checkpoint-{seed}"
        AuTTinyForCTC(tiny_config).save_pretrained(folder)
        processor.save_pretrained(folder)
        folders.append(folder)
    script.average_checkpoints(str(tmp_path / "averaged"), [str(f) for f in folders])
    first, second, averaged = (AuTTinyForCTC.from_pretrained(p).state_dict() for p in (*folders, tmp_path / "averaged"))
    for name, value in averaged.items():
        torch.testing.assert_close(value, (first[name] + second[name]) / 2, msg=name)
