#!/usr/bin/env bash
# Test-set WER/CER of an English AuT-Tiny CTC folder, as the README and the model card report them:
#   speechocean762 `test` (2,500 utterances, 125 speakers never trained on),
#   Kokoro-82M speech of the six reserved voices (240 utterances of the project's sentence generator),
#   espeak-ng test voices (500 utterances of `uomni-make-corpus --seed 1`, voices never trained on),
#   short utterances of those voices (300 of `uomni-make-corpus --short_utterances --seed 2`).
#
#   bash scripts/evaluate_aut_tiny_en.sh [MODEL_DIR]     # default: checkpoints/aut-tiny-ctc-en
#
# Builds what is missing first: the data layout (examples/prepare_real_speech.py), the espeak-ng corpus, and the
# Kokoro test set (installing the [kokoro] extra and fetching kokoro-js@1.2.1's voices with npm where missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/espeak_test_set.sh
MODEL=${1:-checkpoints/aut-tiny-ctc-en}
PY=${PY:-.venv/bin/python}
SHARED=${SHARED:-../shared/data}
DATA=${DATA:-runs/data}
KOKORO_VOICES=${KOKORO_VOICES:-runs/kokoro-js/package/voices}
OUT=${OUT:-runs/eval/$(basename "$MODEL")}

$PY examples/prepare_real_speech.py --shared "$SHARED" --output_dir "$DATA" > /dev/null
build_espeak_test_set "$PY" "$DATA" "$SHARED"
build_espeak_short_test_set "$PY" "$DATA"
PY=$PY bash scripts/build_kokoro_test_set.sh "$DATA" "$KOKORO_VOICES"
$PY -m uomni_hf.training --model_name_or_path "$MODEL" --data_dir "$DATA/so762" \
    --extra_eval_data_dirs "$DATA/kokoro-reserved" "$DATA/espeak-test" "$DATA/espeak-short-test" \
    --eval_split_name test --do_eval --output_dir "$OUT" --per_device_eval_batch_size 32 --report_to none \
    --disable_tqdm true --use_cpu
