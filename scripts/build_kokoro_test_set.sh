#!/usr/bin/env bash
# The Kokoro test set of README and model card: 240 utterances of the six reserved voices reading the project's
# generated sentences (`uomni-make-corpus --engine kokoro --seed 0`, test split only). Does nothing where it exists.
# Installs the [kokoro] extra and fetches kokoro-js@1.2.1's voices first where they are missing (setup_kokoro.sh).
#
#   bash scripts/build_kokoro_test_set.sh DATA_DIR VOICES_DIR     # writes DATA_DIR/kokoro-reserved/test
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
DATA=$1
KOKORO_VOICES=$2
[ -f "$DATA/kokoro-reserved/test/metadata.csv" ] && exit 0
PY=$PY bash scripts/setup_kokoro.sh "$KOKORO_VOICES"
source scripts/kokoro_corpora.sh
$PY -m uomni_hf.corpus --engine kokoro --kokoro_voices_dir "$KOKORO_VOICES" "${KOKORO_TEST_SET[@]}" \
    --output_dir "$DATA/kokoro-reserved"
