#!/usr/bin/env bash
# The recipe of checkpoints/aut-tiny-ctc-en (its weights are the twenty-second run's: the eighteenth run's weights,
# shipped until then, continued for 2,000 steps with seed 22 and the acoustic augmentation at half strength, as
# scripts/augmentation.sh now has it; docs/training.md 2j). Since the thirteenth
# run: real native speech first. LibriSpeech train-clean-5 (x3 per epoch), speechocean762 (x2), AN4 short utterances
# (x2), Kokoro-82M speech of LJ Speech text (x1) and, since the fifteenth run, 3,000 espeak-ng utterances (x1; without
# them the model unlearnt clean synthetic speech), with acoustic augmentation; since the sixteenth run at a peak rate of
# 1e-4; since the seventeenth run two of LibriSpeech dev's four speakers train too (x3, as train-clean-5). The shipped
# folder is rewritten whenever the *real* validation sets improve: the mean WER, decoded with the starting folder's
# language model (mean_lm_wer), of LibriSpeech dev's other two speakers (never in training) and ten held-out
# speechocean762 speakers. The mean is taken in fp32 or bf16 as scripts/precision.sh finds the CPU. Kokoro's held-out
# voices, AN4's held-out speakers and espeak-ng's held-out voices are evaluated and reported beside them
# (--report_eval_data_dirs) but do not choose.
#
#   bash scripts/train_aut_tiny_en.sh            # from the repository root, with ../shared/data beside it
#   bash scripts/train_aut_tiny_en.sh --intermediate_ctc_layer 2   # extra flags go to uomni-train (the last wins)
#   EXTRA_TRAIN="runs/data/more" bash scripts/train_aut_tiny_en.sh   # more training folders (audiofolders)
#   INIT=fresh LEARNING_RATE=1e-3 bash scripts/train_aut_tiny_en.sh  # the ablation: fresh weights, the same tokenizer
#
# Resumable: run the same command again. Where $RUN has checkpoints (this machine), Trainer resumes from the newest
# complete one (optimizer, schedule, data order and augmentation draws included). Where it has none (another
# machine, a later session), the run starts from the shipped folder's weights, so nothing learnt is lost; only the
# optimizer state starts afresh (the folder in git carries no optimizer state).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/augmentation.sh
source scripts/precision.sh
source scripts/espeak_test_set.sh
PY=${PY:-.venv/bin/python}
SHARED=${SHARED:-../shared/data}
DATA=${DATA:-runs/data}
RUN=${RUN:-runs/aut-tiny-ctc-en}
SHIP=${SHIP:-checkpoints/aut-tiny-ctc-en}
MAX_STEPS=${MAX_STEPS:-2000}  # about 55 min in fp32 on 2 AVX2 cores (1.65 s per step)
DECAY_STEPS=${DECAY_STEPS:-1500}
LEARNING_RATE=${LEARNING_RATE:-1e-4}  # continuations: 3e-4 cost speechocean762 a point per run (docs/training.md 2d)
SEED=${SEED:-22}  # data order and augmentation draws: give a continuation a new one
EXTRA_TRAIN=${EXTRA_TRAIN:-}
INIT=${INIT:-weights}  # weights: continue the shipped folder's; fresh: new weights, its tokenizer (and LM to decode)

$PY examples/prepare_real_speech.py --shared "$SHARED" --output_dir "$DATA"
# espeak-ng: the test set first, so that training never says one of its sentences; train and validation voices are
# disjoint from the test voices by construction.
build_espeak_test_set "$PY" "$DATA" "$SHARED"
if [ ! -f "$DATA/espeak/validation/metadata.csv" ]; then
    $PY -m uomni_hf.corpus --output_dir "$DATA/espeak" --num_train 3000 --num_validation 500 --num_test 0 \
        --seed 1 --text_file "$SHARED/ljspeech-text/metadata.csv" --exclude_texts_from "$DATA/espeak-test/test" \
        --overwrite
fi
if [ ! -d "$RUN/init" ]; then  # the starting weights, kept apart: $SHIP is rewritten during the run
    mkdir -p "$RUN" && cp -r "$SHIP" "$RUN/init"
fi
case "$INIT" in
    weights) START=(--model_name_or_path "$RUN/init"); BEST=$SHIP ;;
    # A fresh run's best goes beside it, never over the shipped folder (any trained weights beat random ones).
    fresh) START=(--tokenizer_name_or_path "$RUN/init"); BEST=$RUN/best ;;
    *) echo "INIT must be 'weights' or 'fresh', not '$INIT'" >&2; exit 2 ;;
esac

# shellcheck disable=SC2086  # EXTRA_TRAIN is a list of folders
$PY -m uomni_hf.training \
    "${START[@]}" --output_dir "$RUN" --resume_from_checkpoint latest --ship_best_to "$BEST" \
    --data_dir "$DATA/librispeech" \
    --extra_train_data_dirs "$DATA/librispeech" "$DATA/librispeech" "$DATA/librispeech-dev" "$DATA/librispeech-dev" \
        "$DATA/librispeech-dev" "$DATA/so762" "$DATA/so762" \
        "$DATA/an4" "$DATA/an4" "$DATA/kokoro" "$DATA/espeak" $EXTRA_TRAIN \
    --extra_eval_data_dirs "$DATA/so762" --report_eval_data_dirs "$DATA/kokoro" "$DATA/an4" "$DATA/espeak" \
    --max_eval_samples 250 \
    --eval_language_model "$RUN/init" --metric_for_best_model mean_lm_wer --greater_is_better false --eval_on_start \
    --do_train --do_eval --use_cpu --bf16 "$BF16" --seed "$SEED" --dataloader_num_workers 1 \
    --per_device_train_batch_size 32 --per_device_eval_batch_size 32 --train_sampling_strategy group_by_length \
    --learning_rate "$LEARNING_RATE" --warmup_steps 200 --weight_decay 0.01 --max_steps "$MAX_STEPS" \
    --lr_scheduler_type warmup_stable_decay --lr_scheduler_kwargs "{\"num_decay_steps\": $DECAY_STEPS}" \
    "${AUGMENTATION[@]}" \
    --eval_strategy steps --eval_steps 1000 --save_strategy steps --save_steps 500 --save_total_limit 2 \
    --logging_steps 50 --report_to none --disable_tqdm true --preprocessing_num_workers 2 \
    --model_card_notes "$(cat scripts/train_aut_tiny_en.notes.md)" "$@"
