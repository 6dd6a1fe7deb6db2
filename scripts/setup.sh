#!/usr/bin/env bash
# Creates (or reuses) .venv/ with everything the project needs, plus the apt packages its steps use.
# Called by `make setup` (and so by `make demo` / `make test`); safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# ffmpeg: audio decoding (datasets/torchcodec, the ASR pipeline); espeak-ng: the synthetic speech corpus;
# chromium and chromium-driver: the headless browser tests/test_app.py drives the `uomni-app` page with.
missing=()
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
    echo ">> installing apt packages: ${missing[*]}"
    bash scripts/apt_install.sh "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=".venv/bin/pip --disable-pip-version-check -q"
# The CPU build of torch 2.13.0 lies on this machine's disk; any other spec may pull a multi-GB CUDA build.
$PIP install "torch==2.13.0"
$PIP install -e ".[audio,test,examples,onnx,train,lm,app]"

# Transformers' ASR pipeline resamples non-16 kHz arrays with torchaudio.functional.resample (pure PyTorch code).
# PyPI has no torchaudio built for torch 2.13 CPU: take 2.11's Python package without its CUDA-linked extension
# libraries, which torchaudio then treats as absent (as it does in pex-style deployments).
if ! .venv/bin/python -c "import torchaudio.functional" >/dev/null 2>&1; then
    $PIP install --no-deps "torchaudio==2.11.0"
    rm -f .venv/lib/python3*/site-packages/torchaudio/lib/*.so
    .venv/bin/python -c "import torchaudio.functional"
fi
# KenLM's lmplz and build_binary for `uomni-build-lm` (built from source: PyPI has no binaries).
bash scripts/build_kenlm.sh
echo ">> environment ready: $(.venv/bin/python -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)')"
