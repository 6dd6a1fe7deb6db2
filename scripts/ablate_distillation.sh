#!/usr/bin/env bash
# Distillation from Whisper tiny.en's encoder against the same budget without it: two short continuations of the
# shipped weights on the training folders that have teacher targets (LibriSpeech, speechocean762, AN4; targets from
# examples/precompute_teacher.py, the `teacher` extra), the same seed, data order and augmentation draws; judged by
# greedy WER on the real validation sets (LibriSpeech dev speakers, held-out speechocean762 speakers).
#
#   for split in librispeech so762 an4; do .venv/bin/python examples/precompute_teacher.py --data_dir runs/data/$split --split train; done
#   bash scripts/ablate_distillation.sh          # STEPS=300 WEIGHT=1.0 by default; results in runs/ablate-distill/*/all_results.json
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/augmentation.sh
source scripts/precision.sh
PY=${PY:-.venv/bin/python}
DATA=${DATA:-runs/data}
OUT=${OUT:-runs/ablate-distill}
INIT=${INIT:-checkpoints/aut-tiny-ctc-en}
STEPS=${STEPS:-300}
WEIGHT=${WEIGHT:-1.0}
TARGETS=teacher_whisper_tiny_en.safetensors
mkdir -p "$OUT" && rm -rf "$OUT/init" && cp -r "$INIT" "$OUT/init"
for name in plain distilled; do
    flags=()
    rm -rf "$OUT/$name"
    [ "$name" = distilled ] && flags=(--distillation_targets "$TARGETS" --distillation_weight "$WEIGHT")
    $PY -m uomni_hf.training --model_name_or_path "$OUT/init" --output_dir "$OUT/$name" \
        --data_dir "$DATA/librispeech" --extra_train_data_dirs "$DATA/so762" "$DATA/an4" --extra_eval_data_dirs "$DATA/so762" \
        --do_train --do_eval --use_cpu --bf16 "$BF16" --seed 21 --dataloader_num_workers 1 \
        --per_device_train_batch_size 32 --per_device_eval_batch_size 32 --train_sampling_strategy group_by_length \
        --learning_rate 2e-4 --warmup_steps 30 --max_steps "$STEPS" --lr_scheduler_type warmup_stable_decay \
        --lr_scheduler_kwargs "{\"num_decay_steps\": $((STEPS / 2))}" --weight_decay 0.01 \
        "${AUGMENTATION[@]}" \
        --eval_strategy no --save_strategy no --logging_steps 50 --report_to none --disable_tqdm true \
        --preprocessing_num_workers 2 "${flags[@]}" "$@"
done
for name in plain distilled; do
    echo "$name: $($PY -c "import json; m = json.load(open('$OUT/$name/all_results.json')); print({k: round(100 * v, 2) for k, v in m.items() if k.endswith('_wer')})")"
done
