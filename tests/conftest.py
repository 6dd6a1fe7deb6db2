import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from uomni_hf import AuTTinyConfig, AuTTinyFeatureExtractor, AuTTinyProcessor, AuTTinyTokenizer
from uomni_hf.corpus import build_corpus


REPO = Path(__file__).parents[1]


def load_script(relative_path: str):
    """A script of the repository (examples/, scripts/), imported as a module for its functions."""
    path = REPO / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


# Sentences of a tiny word language model for decoding tests (uomni-build-lm needs KenLM, built by setup.sh).
LM_SENTENCES = TRANSCRIPTS * 3 + ["the brown dog sat by the sea", "peter has a brown fox", "the fox jumps"]


@pytest.fixture(scope="session")
def lm_folder(tmp_path_factory) -> Path:
    """A folder whose `language_model/` is a 3-gram over `LM_SENTENCES`."""
    from uomni_hf.cli.build_lm import build_language_model

    folder = tmp_path_factory.mktemp("with-lm")
    build_language_model(LM_SENTENCES, folder, order=3)
    return folder


def ctc_logits(tokenizer, texts_and_weights: list[tuple[str, float]], frames_per_piece: int = 2) -> np.ndarray:
    """Logits `(frames, vocab)` under which each text has (about) its weight of the probability: the texts share
    their first and last pieces; where they differ, each frame gives each text's piece its weight (a text with fewer
    pieces there gets blanks), so greedy decoding reads the heaviest text and a language model can prefer another."""
    paths = [tokenizer(text)["input_ids"] for text, _ in texts_and_weights]
    weights = [weight for _, weight in texts_and_weights]
    prefix = 0
    while all(len(p) > prefix for p in paths) and len({p[prefix] for p in paths}) == 1:
        prefix += 1
    suffix = 0
    while all(len(p) - suffix > prefix for p in paths) and len({p[len(p) - 1 - suffix] for p in paths}) == 1:
        suffix += 1
    middles = [p[prefix : len(p) - suffix] for p in paths]
    width = max(len(m) for m in middles)
    blank = tokenizer.blank_token_id
    columns = [[(piece, 1.0)] for piece in paths[0][:prefix]]
    columns += [[(m[i] if i < len(m) else blank, w) for m, w in zip(middles, weights)] for i in range(width)]
    columns += [[(piece, 1.0)] for piece in paths[0][len(paths[0]) - suffix :]]
    probs = []
    for column in columns:
        frame = np.full(len(tokenizer), 1e-4)
        for piece, weight in column:
            frame[piece] += weight
        probs.append(frame / frame.sum())
        blank_frame = np.full(len(tokenizer), 1e-4)  # a blank after every piece keeps repeated pieces apart
        blank_frame[blank] = 1.0
        probs += [blank_frame / blank_frame.sum()] * (frames_per_piece - 1)
    return np.log(np.stack(probs)).astype(np.float32)
