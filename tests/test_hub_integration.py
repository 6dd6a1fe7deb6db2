"""Auto classes, remote code and the Hub round trip, as far as it goes offline."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from huggingface_hub import HfApi
from transformers import (
    AutoConfig,
    AutoFeatureExtractor,
    AutoModel,
    AutoModelForCTC,
    AutoProcessor,
    AutoTokenizer,
)

from uomni_hf import (
    AuTTinyFeatureExtractor,
    AuTTinyForCTC,
    AuTTinyModel,
    AuTTinyProcessor,
    AuTTinyTokenizer,
)

from .conftest import ctc_logits, load_script, random_audio


# The demo's Hub round trip: publish a folder into a Hub cache; run Python where `import uomni_hf` fails.
hub_cache = load_script("examples/hub_cache.py")
run_without_package = hub_cache.run_without_package


CODE_FILES = {
    "configuration_aut_tiny.py",
    "modeling_aut_tiny.py",
    "feature_extraction_aut_tiny.py",
    "tokenization_aut_tiny.py",
    "processing_aut_tiny.py",
    "text_normalization.py",  # the processor spells numbers out as training did
    "decoding_aut_tiny.py",  # the processor's language-model decoding
}


@pytest.fixture
def saved_folder(tmp_path, tiny_config, processor) -> Path:
    tiny_config.num_mel_bins = 128  # the processor's features
    folder = tmp_path / "aut-tiny"
    AuTTinyForCTC(tiny_config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def test_auto_classes_resolve_to_ours(saved_folder, tiny_config):
    assert isinstance(AutoConfig.from_pretrained(saved_folder), type(tiny_config))
    assert type(AutoModel.from_config(tiny_config)) is AuTTinyModel
    assert type(AutoModelForCTC.from_pretrained(saved_folder)) is AuTTinyForCTC
    assert type(AutoModel.from_pretrained(saved_folder)) is AuTTinyModel
    assert type(AutoFeatureExtractor.from_pretrained(saved_folder)) is AuTTinyFeatureExtractor
    assert type(AutoTokenizer.from_pretrained(saved_folder)) is AuTTinyTokenizer
    assert type(AutoProcessor.from_pretrained(saved_folder)) is AuTTinyProcessor


def test_saved_folder_carries_auto_map_code_and_safetensors(saved_folder):
    files = {p.name for p in saved_folder.iterdir()}
    assert CODE_FILES <= files
    assert "model.safetensors" in files and not any(f.endswith((".bin", ".pt", ".pkl")) for f in files)
    config = json.loads((saved_folder / "config.json").read_text())
    assert config["auto_map"]["AutoConfig"] == "configuration_aut_tiny.AuTTinyConfig"
    assert config["auto_map"]["AutoModelForCTC"] == "modeling_aut_tiny.AuTTinyForCTC"
    assert config["model_type"] == "aut_tiny"
    processor_config = json.loads((saved_folder / "processor_config.json").read_text())
    assert processor_config["auto_map"]["AutoProcessor"] == "processing_aut_tiny.AuTTinyProcessor"
    tokenizer_config = json.loads((saved_folder / "tokenizer_config.json").read_text())
    assert "tokenization_aut_tiny.AuTTinyTokenizer" in json.dumps(tokenizer_config["auto_map"])


def expected_logits(folder: Path, audio: np.ndarray) -> np.ndarray:
    processor = AuTTinyProcessor.from_pretrained(folder)
    model = AuTTinyForCTC.from_pretrained(folder).eval()
    with torch.no_grad():
        return model(**processor(audio=audio, sampling_rate=16000, return_tensors="pt")).logits.numpy()


def test_remote_code_loads_without_the_package_and_gives_identical_logits(saved_folder, tmp_path):
    audio = random_audio(1.3)
    np.save(tmp_path / "audio.npy", audio)
    run_without_package(
        f"""
        import numpy as np, torch
        from transformers import AutoModelForCTC, AutoProcessor
        try:
            import uomni_hf
            raise SystemExit("the package was importable")
        except ImportError:
            pass
        processor = AutoProcessor.from_pretrained({str(saved_folder)!r}, trust_remote_code=True)
        model = AutoModelForCTC.from_pretrained({str(saved_folder)!r}, trust_remote_code=True).eval()
        assert type(model).__module__.startswith("transformers_modules"), type(model).__module__
        inputs = processor(audio=np.load("audio.npy"), sampling_rate=16000, return_tensors="pt")
        with torch.no_grad():
            np.save("logits.npy", model(**inputs).logits.numpy())
        """,
        tmp_path,
    )
    np.testing.assert_array_equal(np.load(tmp_path / "logits.npy"), expected_logits(saved_folder, audio))


def test_loads_by_repo_id_from_the_hub_cache_offline(saved_folder, tmp_path):
    hub_cache.publish_to_hub_cache(saved_folder, "uomni/aut-tiny-test", tmp_path / "hub")
    audio = random_audio(0.9)
    np.save(tmp_path / "audio.npy", audio)
    run_without_package(
        """
        import numpy as np, torch
        from transformers import AutoModelForCTC, AutoProcessor
        processor = AutoProcessor.from_pretrained("uomni/aut-tiny-test", trust_remote_code=True)
        model = AutoModelForCTC.from_pretrained("uomni/aut-tiny-test", trust_remote_code=True).eval()
        inputs = processor(audio=np.load("audio.npy"), sampling_rate=16000, return_tensors="pt")
        with torch.no_grad():
            np.save("logits.npy", model(**inputs).logits.numpy())
        """,
        tmp_path,
        HF_HUB_CACHE=str(tmp_path / "hub"),
        HF_HUB_OFFLINE="1",
    )
    np.testing.assert_array_equal(np.load(tmp_path / "logits.npy"), expected_logits(saved_folder, audio))


def test_push_to_hub_commits_the_complete_folder(saved_folder, monkeypatch, tiny_config, processor):
    commits = []

    class Repo:
        repo_id = "uomni/aut-tiny-test"

    def create_commit(self, repo_id, operations, **kwargs):
        commits.append((repo_id, {op.path_in_repo for op in operations}))

    monkeypatch.setattr(HfApi, "create_repo", lambda self, repo_id, **kwargs: Repo())
    monkeypatch.setattr(HfApi, "create_commit", create_commit)
    model = AuTTinyForCTC.from_pretrained(saved_folder)
    model.push_to_hub("uomni/aut-tiny-test", token="hf_fake")
    AuTTinyProcessor.from_pretrained(saved_folder).push_to_hub("uomni/aut-tiny-test", token="hf_fake")
    assert [repo for repo, _ in commits] == ["uomni/aut-tiny-test"] * 2
    pushed = commits[0][1] | commits[1][1]
    expected = {p.name for p in saved_folder.iterdir()}
    assert expected <= pushed, expected - pushed


# Third-party modules the remote-code files may import: torch, transformers, and what transformers itself requires;
# flashlight (flashlight-text) only inside the function that loads a language model, so folders without one never
# need it (test_missing_flashlight_warns_and_decodes_greedily covers a folder with one).
ALLOWED_REMOTE_IMPORTS = {"torch", "transformers", "numpy", "tokenizers", "huggingface_hub", "safetensors", "flashlight"}


def test_language_model_loads_through_remote_code_and_from_the_hub_cache(saved_folder, lm_folder, tokenizer, tmp_path):
    """A folder with `language_model/` decodes with it where only the folder's code is there, also by repo id."""
    (saved_folder / "language_model").mkdir()
    for file in (lm_folder / "language_model").iterdir():
        (saved_folder / "language_model" / file.name).write_bytes(file.read_bytes())
    np.save(tmp_path / "logits.npy", ctc_logits(tokenizer, [("the brown fox", 0.4), ("the brewn fox", 0.6)])[None])
    hub_cache.publish_to_hub_cache(saved_folder, "uomni/aut-tiny-lm", tmp_path / "hub")
    run_without_package(
        f"""
        import numpy as np
        from transformers import AutoProcessor
        for source in ({str(saved_folder)!r}, "uomni/aut-tiny-lm"):
            processor = AutoProcessor.from_pretrained(source, trust_remote_code=True)
            assert type(processor.decoder).__module__.startswith("transformers_modules"), type(processor.decoder)
            text = processor.batch_decode(np.load("logits.npy")).text
            assert text == ["the brown fox"], (source, text)
        """,
        tmp_path,
        HF_HUB_CACHE=str(tmp_path / "hub"),
        HF_HUB_OFFLINE="1",
    )


def test_remote_code_files_import_only_torch_transformers_and_each_other(saved_folder):
    import ast

    for name in sorted(CODE_FILES):
        tree = ast.parse((saved_folder / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level > 0:  # `from .configuration_aut_tiny import ...`: one of the saved files
                    assert f"{node.module}.py" in CODE_FILES, (name, node.module)
                    continue
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                assert top in sys.stdlib_module_names or top in ALLOWED_REMOTE_IMPORTS, (name, module)
