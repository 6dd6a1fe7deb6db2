# The acoustic augmentation of the shipped model's recipe, sourced by train_aut_tiny_en.sh and
# ablate_distillation.sh so that an ablation trains on what the recipe trains on.
AUGMENTATION=(--speed_perturbation 0.9 1.0 1.1 --reverb_prob 0.4 --noise_prob 0.5 --noise_snr_db 5 30 --eq_prob 0.5
    --telephone_prob 0.15 --gain_prob 0.5 --clipping_prob 0.05)
