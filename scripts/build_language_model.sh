#!/usr/bin/env bash
# The shipped language model (checkpoints/aut-tiny-ctc-en/language_model/), rebuilt from its text in a few minutes:
# since the thirteenth run 13.8 M words of public-domain book text (../shared/data/gutenberg-lm, books LibriSpeech's
# test sets read removed) beside LJ Speech's text and the training transcripts (speechocean762 `train` without the
# validation speakers, LibriSpeech train-clean-5, AN4 `train` without its validation speakers, and the tenth run's
# Kokoro corpus of generated sentences, drawn with --transcripts_only instead of synthesized again, as are the
# reserved test set's sentences that corpus was kept from). Never a test or validation transcript. A word 4-gram,
# n-grams seen once (bigrams) or twice (trigrams and 4-grams) pruned, stored as a KenLM trie with 8-bit quantization:
# 16.9 MB with its unigram list, under the folder's 20 MB limit. Writes OUTPUT_DIR/language_model/ with the shipped
# decoding settings and says whether it is the shipped folder, byte for byte.
#
#   bash scripts/build_language_model.sh [OUTPUT_DIR]     # default runs/lm
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
SHARED=${SHARED:-../shared/data}
DATA=${DATA:-runs/data}
TEXT=${TEXT:-runs/lm-text}
OUTPUT=${1:-runs/lm}
SHIP=checkpoints/aut-tiny-ctc-en/language_model

$PY examples/prepare_real_speech.py --shared "$SHARED" --output_dir "$DATA" > /dev/null
source scripts/kokoro_corpora.sh
CORPUS=($PY -m uomni_hf.corpus --engine kokoro --transcripts_only --overwrite --num_workers 1)
# The reserved test set, then the tenth run's generated-sentence corpus (train_aut_tiny_en.sh's defaults).
"${CORPUS[@]}" "${KOKORO_TEST_SET[@]}" --output_dir "$TEXT/kokoro-reserved" > /dev/null
"${CORPUS[@]}" --kokoro_validation_voices "${KOKORO_VALIDATION[@]}" \
    --exclude_texts_from "$TEXT/kokoro-reserved/test/transcripts.csv" \
    --output_dir "$TEXT/kokoro-gen-seed2" --num_train 2000 --num_validation 0 --num_test 0 --seed 2 > /dev/null
$PY -m uomni_hf.cli.build_lm \
    --text_files "$SHARED/gutenberg-lm/sentences.txt.xz" "$SHARED/ljspeech-text/metadata.csv" \
    --metadata_files "$DATA/so762/train/metadata.csv" "$DATA/librispeech/train/metadata.csv" \
        "$DATA/an4/train/metadata.csv" "$TEXT/kokoro-gen-seed2/train/transcripts.csv" \
    --order 4 --prune 0 1 2 2 --quantize 8 \
    --alpha 0.7 --beta 3.0 --unk_score_offset -20 --beam_width 128 --token_beam_width 10 --output_dir "$OUTPUT"
if diff -rq "$OUTPUT/language_model" "$SHIP" > /dev/null; then
    echo "$OUTPUT/language_model/ is the shipped $SHIP/, byte for byte"
else
    echo "$OUTPUT/language_model/ differs from the shipped $SHIP/:" && diff -rq "$OUTPUT/language_model" "$SHIP" || true
fi
