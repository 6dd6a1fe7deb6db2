# The acoustic augmentation of the shipped model's recipe, sourced by train_aut_tiny_en.sh and
# ablate_distillation.sh so that an ablation trains on what the recipe trains on. Since the twenty-second run every
# probability is half what it was (rooms 0.4 -> 0.2, noise 0.5 -> 0.25, ...): the model read its own clean training
# utterances hardly better than new speakers (59.8 against 62.8 % greedy), so it was short of capacity, not of
# regularization, and the lighter mix improved every validation set (docs/training.md 2j).
AUGMENTATION=(--speed_perturbation 0.9 1.0 1.1 --reverb_prob 0.2 --noise_prob 0.25 --noise_snr_db 5 30 --eq_prob 0.25
    --telephone_prob 0.075 --gain_prob 0.25 --clipping_prob 0.025)
