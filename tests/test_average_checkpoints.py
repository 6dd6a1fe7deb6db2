"""scripts/average_checkpoints.py: the output's weights are the (weighted) mean of the inputs'."""

import pytest
import torch

from uomni_hf import AuTTinyForCTC

from .conftest import load_script


@pytest.fixture
def checkpoints(tiny_config, processor, tmp_path) -> list[str]:
    folders = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        folder = tmp_path / f"checkpoint-{seed}"
        AuTTinyForCTC(tiny_config).save_pretrained(folder)
        processor.save_pretrained(folder)
        folders.append(str(folder))
    return folders


def test_weights_are_averaged(checkpoints, tmp_path):
    script = load_script("scripts/average_checkpoints.py")
    script.average_checkpoints(str(tmp_path / "averaged"), checkpoints)
    folders = (*checkpoints, tmp_path / "averaged")
    first, second, averaged = (AuTTinyForCTC.from_pretrained(p).state_dict() for p in folders)
    for name, value in averaged.items():
        torch.testing.assert_close(value, (first[name] + second[name]) / 2, msg=name)


def test_weights_interpolate_and_bad_weights_are_named(checkpoints, tmp_path):
    script = load_script("scripts/average_checkpoints.py")
    script.average_checkpoints(str(tmp_path / "soup"), checkpoints, weights=[0.25, 0.75])
    first, second, soup = (AuTTinyForCTC.from_pretrained(p).state_dict() for p in (*checkpoints, tmp_path / "soup"))
    for name, value in soup.items():
        torch.testing.assert_close(value, 0.25 * first[name] + 0.75 * second[name], msg=name)
    with pytest.raises(ValueError, match="one weight per checkpoint"):
        script.average_checkpoints(str(tmp_path / "bad"), checkpoints, weights=[1.0])
    with pytest.raises(ValueError, match="sum to 1"):
        script.average_checkpoints(str(tmp_path / "bad"), checkpoints, weights=[0.5, 0.6])
