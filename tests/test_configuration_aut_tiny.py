import pytest

from uomni_hf import AuTTinyConfig


def test_defaults_are_the_released_architecture():
    config = AuTTinyConfig()
    assert config.num_mel_bins == 128
    assert tuple(config.conv_channels) == (64, 128, 192)
    assert (config.conv_kernel_size, config.conv_stride) == (5, 2)
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == (192, 4, 3)
    assert config.intermediate_size == 768
    assert config.projector_dim == 256
    assert config.max_mel_length == 2048
    assert config.pad_token_id == 0
    assert config.subsampling_factor == 8
    assert config.inputs_to_logits_ratio == 160 * 8


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"hidden_size": 100, "conv_channels": (64, 128, 100)}, "hidden_size"),
        ({"num_attention_heads": 0}, "num_attention_heads"),
        ({"num_hidden_layers": 0}, "num_hidden_layers"),
        ({"intermediate_size": -1}, "intermediate_size"),
        ({"vocab_size": 0}, "vocab_size"),
        ({"hidden_dropout": 1.0}, "hidden_dropout"),
        ({"attention_dropout": -0.1}, "attention_dropout"),
        ({"activation_dropout": 1.5}, "activation_dropout"),
        ({"final_dropout": 1.0}, "final_dropout"),
        ({"conv_channels": (64, 128, 96)}, "conv_channels"),
        ({"conv_kernel_size": 0}, "conv_kernel_size"),
        ({"max_mel_length": 0}, "max_mel_length"),
        ({"mask_time_prob": 1.5}, "mask_time_prob"),
        ({"ctc_loss_reduction": "avg"}, "ctc_loss_reduction"),
        ({"pad_token_id": 300, "vocab_size": 256}, "pad_token_id"),
        ({"sliding_window": 0}, "sliding_window"),
        ({"distillation_dim": -1}, "distillation_dim"),
        ({"distillation_weight": -0.5}, "distillation_weight"),
        ({"distillation_layer": 0}, "distillation_layer"),
        ({"distillation_layer": 5}, "distillation_layer"),
    ],
)
def test_invalid_values_raise_value_error_naming_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        AuTTinyConfig(**kwargs)


def test_save_and_load_round_trip(tmp_path):
    config = AuTTinyConfig(vocab_size=100, num_hidden_layers=2, mask_time_prob=0.1)
    config.save_pretrained(tmp_path)
    loaded = AuTTinyConfig.from_pretrained(tmp_path)
    assert loaded.to_dict() == config.to_dict()
    assert tuple(loaded.conv_channels) == (64, 128, 192)
