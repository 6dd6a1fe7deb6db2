"""Folders saved before the current layout (fused `qkv_proj`, `out_proj`, `attention_window`, `rope_theta`).

`tests/fixtures/legacy_tiny_ctc` was saved by the old code, with the logits and embeddings the old code computed on
the inputs stored beside it (`expected.npz`)."""

import json
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open

from uomni_hf import AuTTinyForCTC, AuTTinyModel
from uomni_hf.cli.convert_checkpoint import main


LEGACY = Path(__file__).parents[1] / "fixtures" / "legacy_tiny_ctc"


def outputs_of(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    expected = np.load(LEGACY / "expected.npz")
    features = torch.from_numpy(expected["input_features"])
    mask = torch.from_numpy(expected["attention_mask"])
    with torch.no_grad():
        logits = AuTTinyForCTC.from_pretrained(folder).eval()(features, attention_mask=mask).logits
        embeddings = AuTTinyModel.from_pretrained(folder).eval()(features, attention_mask=mask).projected_embeddings
    return logits.numpy(), embeddings.numpy()


def test_a_legacy_folder_loads_with_the_outputs_the_old_code_computed():
    expected = np.load(LEGACY / "expected.npz")
    logits, embeddings = outputs_of(LEGACY)
    np.testing.assert_allclose(logits, expected["logits"], atol=1e-5, rtol=0)
    np.testing.assert_allclose(embeddings, expected["projected_embeddings"], atol=1e-5, rtol=0)
    assert AuTTinyForCTC.from_pretrained(LEGACY).config.sliding_window == 3  # was `attention_window`


def test_the_converted_folder_has_the_current_layout_and_the_same_outputs(tmp_path):
    main([str(LEGACY), str(tmp_path)])
    with safe_open(tmp_path / "model.safetensors", "pt") as weights:
        keys = set(weights.keys())
    assert "model.layers.0.self_attn.q_proj.weight" in keys and "model.layers.1.self_attn.o_proj.bias" in keys
    assert not any("qkv_proj" in key or "out_proj" in key for key in keys)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["sliding_window"] == 3 and config["rope_parameters"]["rope_theta"] == 10000.0
    assert "attention_window" not in config and "rope_theta" not in config
    expected = np.load(LEGACY / "expected.npz")
    logits, embeddings = outputs_of(tmp_path)
    np.testing.assert_allclose(logits, expected["logits"], atol=1e-5, rtol=0)
    np.testing.assert_allclose(embeddings, expected["projected_embeddings"], atol=1e-5, rtol=0)


def test_saving_a_model_loaded_from_a_legacy_folder_writes_the_current_layout(tmp_path):
    AuTTinyForCTC.from_pretrained(LEGACY).save_pretrained(tmp_path)
    with safe_open(tmp_path / "model.safetensors", "pt") as weights:
        assert not any("qkv_proj" in key for key in weights.keys())


def test_the_shipped_checkpoint_is_in_the_current_layout():
    folder = Path(__file__).parents[2] / "checkpoints" / "aut-tiny-ctc-en"
    assert "attention_window" not in json.loads((folder / "config.json").read_text())
    with safe_open(folder / "model.safetensors", "pt") as weights:
        assert "model.layers.0.self_attn.q_proj.weight" in set(weights.keys())
