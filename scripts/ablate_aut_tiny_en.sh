#!/usr/bin/env bash
# One row of the ablation table in the README: a 400-step continuation of scripts/train_aut_tiny_en.sh from $INIT
# with extra uomni-train flags, judged on the same validation sets (mean WER of the three, in $RUN/all_results.json).
#
#   bash scripts/ablate_aut_tiny_en.sh base                                   # the recipe as it is
#   bash scripts/ablate_aut_tiny_en.sh interctc --intermediate_ctc_layer 2 --intermediate_ctc_weight 0.3
#   bash scripts/ablate_aut_tiny_en.sh crctc --consistency_ctc_weight 0.2
#
# Every row starts from the same weights, seed, data order and augmentation draws, so only the flags differ. The table
# started from the folder as shipped at commit 644fe7d (INIT=... to give it; by default the shipped folder as it is).
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=$1; shift
INIT=${INIT:-checkpoints/aut-tiny-ctc-en}
OUT=${OUT:-runs/ablations}
rm -rf "$OUT/ship-$NAME" && mkdir -p "$OUT" && cp -r "$INIT" "$OUT/ship-$NAME"  # the run ships here, not into $INIT
RUN="$OUT/$NAME" SHIP="$OUT/ship-$NAME" MAX_STEPS=400 DECAY_STEPS=150 LEARNING_RATE=5e-4 \
    bash scripts/train_aut_tiny_en.sh --warmup_steps 50 --eval_steps 400 --save_steps 400 "$@"
