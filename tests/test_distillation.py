"""Distillation from a teacher's frame states (`distillation_dim`): DistilHuBERT's loss on the frames that have a
teacher, added to CTC with its weight, from the chosen block; the head is training-only and never shipped."""

import copy
import json

import pytest
import torch
from safetensors.torch import load_file

from uomni_hf import AuTTinyConfig, AuTTinyForCTC, AuTTinyModel
from uomni_hf.modeling_aut_tiny import distillation_loss

from .test_modeling_aut_tiny import padded_batch


def _distilling(config: AuTTinyConfig, **changes) -> AuTTinyConfig:
    """No dropout or SpecAugment (comparable training-mode forwards), and a distillation head of width 6."""
    config = copy.deepcopy(config)
    config.apply_spec_augment = False
    config.hidden_dropout = config.attention_dropout = config.activation_dropout = config.final_dropout = 0.0
    config.distillation_dim = 6
    for name, value in changes.items():
        setattr(config, name, value)
    return config


def test_the_loss_is_l1_minus_log_sigmoid_cosine_over_the_frames_that_have_a_teacher():
    generator = torch.Generator().manual_seed(0)
    predicted, target = torch.randn(2, 5, 4, generator=generator), torch.randn(2, 5, 4, generator=generator)
    mask = torch.tensor([[True, True, True, False, False], [False] * 5])
    per_frame = (predicted - target).abs().mean(-1) - torch.nn.functional.logsigmoid(
        torch.nn.functional.cosine_similarity(predicted, target, dim=-1)
    )
    torch.testing.assert_close(distillation_loss(predicted, target, mask), per_frame[0, :3].mean())
    per_utterance = distillation_loss(predicted, target, mask, reduction="none")
    torch.testing.assert_close(per_utterance, torch.stack([per_frame[0, :3].mean(), torch.tensor(0.0)]))
    torch.testing.assert_close(distillation_loss(predicted, target, mask, reduction="sum"), per_frame[0, :3].mean())
    # Frames without a teacher do not count, whatever they hold.
    garbage = target.clone()
    garbage[~mask] = 1e6
    torch.testing.assert_close(distillation_loss(predicted, garbage, mask), per_frame[0, :3].mean())
    # A perfect prediction leaves only the cosine term at its floor, -log(sigmoid(1)).
    floor = distillation_loss(target, target, mask)
    torch.testing.assert_close(floor, -torch.nn.functional.logsigmoid(torch.tensor(1.0)))
    assert distillation_loss(predicted, target, torch.zeros_like(mask)) == 0  # no teacher at all: nothing to learn


@pytest.mark.parametrize("layer", [None, 1])
def test_the_model_adds_the_weighted_loss_of_the_head_on_the_chosen_states(tiny_config, layer):
    config = _distilling(tiny_config, distillation_weight=0.5, distillation_layer=layer)
    model = AuTTinyForCTC(config).train()
    features, mask = padded_batch([120, 70], config.num_mel_bins)
    labels = torch.tensor([[3, 4, 4, 5, 9], [6, 7, -100, -100, -100]])
    teacher = torch.randn(2, 15, 6)
    teacher_mask = torch.ones(2, 15, dtype=torch.bool)
    teacher_mask[0, 10:] = False  # the second utterance's padded frames (from 9 on) never count either
    out = model(features, attention_mask=mask, labels=labels, teacher_states=teacher, teacher_mask=teacher_mask)

    states = model.model(features, attention_mask=mask, output_hidden_states=True)
    distilled = states.last_hidden_state if layer is None else states.hidden_states[layer]
    frames = teacher_mask & states.attention_mask.bool()
    expected = distillation_loss(model.distillation_head(distilled), teacher, frames)
    torch.testing.assert_close(out.distillation_loss, expected)
    plain = model(features, attention_mask=mask, labels=labels)
    torch.testing.assert_close(out.ctc_loss, plain.loss)
    torch.testing.assert_close(out.loss, plain.loss + 0.5 * expected)
    torch.testing.assert_close(out.logits, plain.logits)
    assert plain.ctc_loss is None and plain.distillation_loss is None  # evaluation outputs stay (loss, logits)
    assert out.hidden_states is None


def test_training_on_the_teacher_lowers_the_distillation_loss(tiny_config):
    model = AuTTinyForCTC(_distilling(tiny_config)).train()
    features, mask = padded_batch([120, 70], tiny_config.num_mel_bins)
    teacher = torch.randn(2, 15, 6)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(20):
        loss = model(features, attention_mask=mask, teacher_states=teacher).loss  # no labels: distillation alone
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0], losses


def test_two_views_of_consistency_ctc_distill_both(tiny_config):
    """Without dropout and SpecAugment the two views agree: the same distillation loss as one view."""
    features, mask = padded_batch([120, 70], tiny_config.num_mel_bins)
    labels = torch.tensor([[3, 4, 5], [6, 7, -100]])
    one = AuTTinyForCTC(_distilling(tiny_config)).train()
    two = AuTTinyForCTC(_distilling(tiny_config, consistency_ctc_weight=0.2)).train()
    two.load_state_dict(one.state_dict())
    teacher = torch.randn(2, 15, 6)
    expected = one(features, attention_mask=mask, labels=labels, teacher_states=teacher)
    out = two(features, attention_mask=mask, labels=labels, teacher_states=teacher)
    torch.testing.assert_close(out.distillation_loss, expected.distillation_loss)
    torch.testing.assert_close(out.loss, expected.loss)


def test_the_distillation_loss_compiles_in_one_graph(tiny_config):
    """Static shapes: the loss compiles with the model (fullgraph). With `distillation_layer` the states come from
    Transformers' output capture, which compiles too, though not in one graph (as for intermediate CTC)."""
    torch._dynamo.reset()
    features, mask = padded_batch([128, 60], tiny_config.num_mel_bins)
    inputs = {"attention_mask": mask, "teacher_states": torch.randn(2, 16, 6),
              "teacher_mask": torch.ones(2, 16, dtype=torch.bool)}  # fmt: skip
    for layer, fullgraph in ((None, True), (1, False)):
        model = AuTTinyForCTC(_distilling(tiny_config, distillation_layer=layer)).train()
        loss = torch.compile(model, fullgraph=fullgraph, backend="aot_eager")(features, **inputs).loss
        torch.testing.assert_close(loss, model(features, **inputs).loss)


def test_teacher_states_that_do_not_fit_raise_clear_errors(tiny_config):
    model = AuTTinyForCTC(_distilling(tiny_config))
    features, mask = padded_batch([120, 70], tiny_config.num_mel_bins)  # 15 output frames
    with pytest.raises(ValueError, match=r"teacher_states.*\(2, 15, 6\).*interpolate"):
        model(features, attention_mask=mask, teacher_states=torch.randn(2, 16, 6))
    with pytest.raises(ValueError, match=r"teacher_states.*\(2, 15, 6\)"):
        model(features, attention_mask=mask, teacher_states=torch.randn(2, 15, 384))
    with pytest.raises(ValueError, match="teacher_mask"):
        model(features, attention_mask=mask, teacher_states=torch.randn(2, 15, 6), teacher_mask=torch.ones(2, 14))
    with pytest.raises(ValueError, match="no distillation head.*distillation_dim"):
        AuTTinyForCTC(tiny_config)(features, attention_mask=mask, teacher_states=torch.randn(2, 15, 6))


def test_the_shipped_model_has_no_head_and_the_same_logits(tiny_config, tmp_path):
    model = AuTTinyForCTC(_distilling(tiny_config)).train()
    features, mask = padded_batch([120, 70], tiny_config.num_mel_bins)
    teacher = torch.randn(2, 15, 6)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model(features, attention_mask=mask, teacher_states=teacher).loss.backward()
    optimizer.step()  # trained weights, not the initial ones

    shipped = model.without_distillation_head()
    assert model.distillation_head is not None and shipped.distillation_head is None  # the training model keeps it
    assert model.config.distillation_dim == 6 and shipped.config.distillation_dim == 0
    shipped.save_pretrained(tmp_path / "shipped")
    assert not any(name.startswith("distillation_head") for name in load_file(tmp_path / "shipped" / "model.safetensors"))
    assert json.loads((tmp_path / "shipped" / "config.json").read_text())["distillation_dim"] == 0
    loaded, info = AuTTinyForCTC.from_pretrained(tmp_path / "shipped", output_loading_info=True)
    assert not any(info.values()), info
    assert loaded.distillation_head is None
    torch.testing.assert_close(loaded.eval()(features, attention_mask=mask).logits,
                               model.eval()(features, attention_mask=mask).logits)  # fmt: skip
    assert AuTTinyForCTC(tiny_config).without_distillation_head().distillation_head is None


def test_folders_with_and_without_the_head_load_both_ways_without_a_load_report(tiny_config, tmp_path):
    """A checkpoint saved mid-distillation loads into a model without the head (or the encoder alone), and a model
    that starts distilling from a folder without one gets a new head, all without warnings of stray or missing keys."""
    AuTTinyForCTC(_distilling(tiny_config)).save_pretrained(tmp_path / "with_head")
    AuTTinyForCTC(tiny_config).save_pretrained(tmp_path / "without_head")
    for load in (
        lambda: AuTTinyForCTC.from_pretrained(tmp_path / "with_head", distillation_dim=0, output_loading_info=True),
        lambda: AuTTinyModel.from_pretrained(tmp_path / "with_head", output_loading_info=True),
        lambda: AuTTinyForCTC.from_pretrained(tmp_path / "without_head", distillation_dim=6, output_loading_info=True),
    ):
        model, info = load()
        assert not any(info.values()), info
    assert model.distillation_head.weight.shape == (6, tiny_config.hidden_size)
    resumed = AuTTinyForCTC.from_pretrained(tmp_path / "with_head")
    assert resumed.distillation_head is not None  # a checkpoint keeps its head for resuming
