"""scripts/average_checkpoints.py: the output's weights are the mean of the inputs'."""

import torch

from uomni_hf import AuTTinyForCTC

from .conftest import load_script


def test_weights_are_averaged(tiny_config, processor, tmp_path):
    script = load_script("scripts/average_checkpoints.py")
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
