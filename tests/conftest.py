from pathlib import Path

import numpy as np
import pytest
import torch

from uomni_hf import AuTTinyConfig, AuTTinyFeatureExtractor, AuTTinyProcessor, AuTTinyTokenizer
from uomni_hf.corpus import build_corpus


TRANSCRIPTS = [
    "the quick brown fox jumps over the lazy dog",
    "she sells sea shells by the sea shore",
    "how much wood would a woodchuck chuck",
    "peter piper picked a peck of pickled peppers",
    "one two three four five six seven eight nine ten",
]


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    np.random.seed(0)


@pytest.fixture(scope="session")
def tokenizer() -> AuTTinyTokenizer:
    return AuTTinyTokenizer.from_transcripts(TRANSCRIPTS * 4, vocab_size=60)


@pytest.fixture(scope="session")
def feature_extractor() -> AuTTinyFeatureExtractor:
    return AuTTinyFeatureExtractor()


@pytest.fixture(scope="session")
def processor(feature_extractor, tokenizer) -> AuTTinyProcessor:
    return AuTTinyProcessor(feature_extractor, tokenizer)


@pytest.fixture
def tiny_config(tokenizer) -> AuTTinyConfig:
    """Small where size doesn't matter: fast tests of shapes, masks and plumbing."""
    return AuTTinyConfig(
        vocab_size=len(tokenizer),
        num_mel_bins=16,
        conv_channels=(8, 16, 32),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        projector_dim=24,
    )


def random_audio(seconds: float, seed: int = 0, sampling_rate: int = 16000) -> np.ndarray:
    """Noise plus a tone: broadband, so no mel bin sits at the floor."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sampling_rate)
    t = np.arange(n) / sampling_rate
    return (0.05 * rng.standard_normal(n) + 0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


SMALL_MODEL = "num_hidden_layers=1,intermediate_size=256,hidden_dropout=0.0,attention_dropout=0.0,final_dropout=0.0"


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    """A tiny espeak-ng audiofolder (train/validation/test) for training tests."""
    folder = tmp_path_factory.mktemp("corpus")
    build_corpus(folder, num_train=24, num_validation=8, num_test=8, seed=3, num_workers=2)
    return folder


def train_args(corpus: Path, output_dir: Path, *extra: str) -> list[str]:
    return [
        "--data_dir", str(corpus),
        "--output_dir", str(output_dir),
        "--config_overrides", SMALL_MODEL,
        "--vocab_size", "64",
        "--max_duration_in_seconds", "8",
        "--max_mel_length", "800",
        "--per_device_train_batch_size", "8",
        "--per_device_eval_batch_size", "8",
        "--learning_rate", "3e-3",
        "--warmup_steps", "2",
        "--logging_steps", "2",
        "--report_to", "none",
        "--seed", "7",
        "--data_seed", "7",
        "--disable_tqdm", "true",
        *extra,
    ]  # fmt: skip
