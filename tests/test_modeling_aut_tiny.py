import copy
import datetime
import math
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from uomni_hf import AuTTinyConfig, AuTTinyForCTC, AuTTinyModel
from uomni_hf.modeling_aut_tiny import AuTTinyDropout, apply_spec_augment


def padded_batch(lengths: list[int], num_bins: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(len(lengths), max(lengths), num_bins, generator=generator)
    mask = torch.zeros(len(lengths), max(lengths), dtype=torch.long)
    for i, length in enumerate(lengths):
        mask[i, :length] = 1
        features[i, length:] = 0.0
    return features, mask


@pytest.mark.parametrize("num_frames", [1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 100, 257])
def test_output_length_is_ceil_of_frames_over_8(tiny_config, num_frames):
    model = AuTTinyModel(tiny_config).eval()
    features, mask = padded_batch([num_frames], tiny_config.num_mel_bins)
    out = model(features, attention_mask=mask)
    expected = math.ceil(num_frames / 8)
    assert out.last_hidden_state.shape == (1, expected, tiny_config.hidden_size)
    assert out.projected_embeddings.shape == (1, expected, tiny_config.projector_dim)
    assert out.attention_mask.tolist() == [[1] * expected]


def test_attention_mask_is_propagated_per_utterance(tiny_config):
    model = AuTTinyModel(tiny_config).eval()
    lengths = [80, 33, 8, 1]
    features, mask = padded_batch(lengths, tiny_config.num_mel_bins)
    out = model(features, attention_mask=mask)
    assert out.attention_mask.shape == (4, 10)
    assert out.attention_mask.sum(-1).tolist() == [math.ceil(n / 8) for n in lengths]


def test_parameter_count_of_the_released_configuration():
    model = AuTTinyModel(AuTTinyConfig())
    count = sum(p.numel() for p in model.parameters())
    assert abs(count - 2.05e6) <= 0.05 * 2.05e6, count
    projector = model.projector
    assert projector.bias is None and projector.weight.shape == (256, 192)


def test_padded_utterance_matches_the_same_utterance_alone():
    model = AuTTinyModel(AuTTinyConfig()).eval()
    lengths = [300, 201, 50, 7]
    features, mask = padded_batch(lengths, 128)
    # Garbage in the padding must not leak into valid frames either.
    features = features + (1 - mask[..., None]) * 5.0
    batched = model(features, attention_mask=mask)
    for i, length in enumerate(lengths):
        alone = model(features[i : i + 1, :length])
        valid = math.ceil(length / 8)
        torch.testing.assert_close(
            batched.last_hidden_state[i, :valid], alone.last_hidden_state[0], atol=1e-5, rtol=0
        )
        torch.testing.assert_close(
            batched.projected_embeddings[i, :valid], alone.projected_embeddings[0], atol=1e-5, rtol=0
        )


def test_sliding_window_limits_how_far_a_frame_sees(tiny_config):
    # Receptive field with a window of 2 output frames: 2 layers × 2 frames, plus the conv stack's ~4 frames.
    features, _ = padded_batch([800], tiny_config.num_mel_bins)
    changed = features.clone()
    changed[:, 600:] += 3.0  # output frames 75 and later see different input
    outputs = {}
    for window in (None, 2):
        torch.manual_seed(0)
        model = AuTTinyModel(AuTTinyConfig.from_dict({**tiny_config.to_dict(), "sliding_window": window}))
        model.eval()
        outputs[window] = [model(x).last_hidden_state[0] for x in (features, changed)]
    full, windowed = outputs[None], outputs[2]
    assert not torch.allclose(full[0][:60], full[1][:60], atol=1e-4)  # full attention: every frame sees the change
    torch.testing.assert_close(windowed[0][:60], windowed[1][:60], atol=1e-6, rtol=0)  # frames 0-59: out of reach
    assert not torch.allclose(windowed[0][70:], windowed[1][70:], atol=1e-4)


def test_sliding_window_keeps_padding_invariance(tiny_config):
    tiny_config.sliding_window = 3
    model = AuTTinyModel(tiny_config).eval()
    lengths = [300, 201, 50, 7]
    features, mask = padded_batch(lengths, tiny_config.num_mel_bins)
    batched = model(features + (1 - mask[..., None]) * 5.0, attention_mask=mask).last_hidden_state
    assert torch.isfinite(batched).all()
    for i, length in enumerate(lengths):
        alone = model(features[i : i + 1, :length]).last_hidden_state[0]
        torch.testing.assert_close(batched[i, : math.ceil(length / 8)], alone, atol=1e-5, rtol=0)
    sdpa = model(features, attention_mask=mask).last_hidden_state
    model.set_attn_implementation("eager")  # the eager path masks the same way
    eager = model(features, attention_mask=mask, output_attentions=True)
    torch.testing.assert_close(eager.last_hidden_state, sdpa)
    weights = eager.attentions[0][0, 0]  # (T', T') of the longest utterance
    assert weights[20, :17].sum() == 0 and weights[20, 24:].sum() == 0 and weights[20, 17:24].sum() > 0.99


def test_hidden_states_and_attentions_on_request(tiny_config):
    model = AuTTinyModel(tiny_config).eval()
    model.set_attn_implementation("eager")  # the implementation that computes attention probabilities
    features, mask = padded_batch([40, 17], tiny_config.num_mel_bins)
    out = model(features, attention_mask=mask, output_hidden_states=True, output_attentions=True)
    assert len(out.hidden_states) == tiny_config.num_hidden_layers + 1
    torch.testing.assert_close(out.hidden_states[0], model.subsampler(features, mask.sum(-1)))
    assert out.hidden_states[-1] is out.last_hidden_state  # after the final RMSNorm, as in Transformers' models
    assert len(out.attentions) == tiny_config.num_hidden_layers
    weights = out.attentions[0]
    assert weights.shape == (2, tiny_config.num_attention_heads, 5, 5)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, tiny_config.num_attention_heads, 5))
    assert weights[1, :, :, 3:].abs().max() == 0  # utterance 1 has 3 valid frames: no weight on padding keys
    ctc = AuTTinyForCTC(tiny_config).eval()
    ctc_out = ctc(features, attention_mask=mask, output_hidden_states=True)
    assert len(ctc_out.hidden_states) == tiny_config.num_hidden_layers + 1


@pytest.mark.parametrize("window", [None, 2])
def test_every_attention_implementation_gives_the_same_states(tiny_config, window):
    tiny_config.sliding_window = window
    model = AuTTinyModel(tiny_config).eval()
    features, mask = padded_batch([200, 90, 9], tiny_config.num_mel_bins)
    states = {}
    for implementation in ("sdpa", "eager", "flex_attention"):
        model.set_attn_implementation(implementation)
        with torch.no_grad():  # flex attention has no backward on the CPU
            states[implementation] = model(features, attention_mask=mask)
    valid = states["sdpa"].attention_mask.bool()
    for implementation in ("eager", "flex_attention"):
        torch.testing.assert_close(
            states[implementation].last_hidden_state[valid], states["sdpa"].last_hidden_state[valid], atol=1e-5, rtol=0
        )


def test_runs_on_inputs_longer_than_max_mel_length(tiny_config):
    model = AuTTinyModel(tiny_config).eval()
    features, _ = padded_batch([tiny_config.max_mel_length * 2 + 5], tiny_config.num_mel_bins)
    out = model(features)
    assert out.last_hidden_state.shape[1] == math.ceil(features.shape[1] / 8)
    assert torch.isfinite(out.last_hidden_state).all()


def test_return_dict_false_gives_a_tuple(tiny_config):
    model = AuTTinyModel(tiny_config).eval()
    features, mask = padded_batch([24], tiny_config.num_mel_bins)
    out = model(features, attention_mask=mask, return_dict=False)
    assert isinstance(out, tuple)
    torch.testing.assert_close(out[0], model(features, attention_mask=mask).last_hidden_state)


def test_the_encoder_loads_from_a_ctc_folder_without_a_load_report(tiny_config, tmp_path):
    """The Thinker's route: the CTC head is expected to be left behind, not reported as unexpected."""
    AuTTinyForCTC(tiny_config).save_pretrained(tmp_path)
    _, info = AuTTinyModel.from_pretrained(tmp_path, output_loading_info=True)
    assert not info["unexpected_keys"]
    assert not info["missing_keys"]


def test_save_and_load_give_identical_outputs(tiny_config, tmp_path):
    model = AuTTinyForCTC(tiny_config).eval()
    model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists()
    loaded = AuTTinyForCTC.from_pretrained(tmp_path).eval()
    features, mask = padded_batch([50, 21], tiny_config.num_mel_bins)
    torch.testing.assert_close(loaded(features, attention_mask=mask).logits, model(features, attention_mask=mask).logits)
    encoder = AuTTinyModel.from_pretrained(tmp_path).eval()  # the encoder alone, from a CTC checkpoint
    torch.testing.assert_close(
        encoder(features, attention_mask=mask).last_hidden_state,
        model.model(features, attention_mask=mask).last_hidden_state,
    )


def test_gradient_checkpointing_gives_the_same_gradients(tiny_config):
    tiny_config.hidden_dropout = tiny_config.attention_dropout = tiny_config.activation_dropout = 0.0
    tiny_config.final_dropout = 0.0
    tiny_config.apply_spec_augment = False
    model = AuTTinyForCTC(tiny_config).train()
    checkpointed = copy.deepcopy(model)
    checkpointed.activation_checkpointing_enable()
    assert checkpointed.model.layers[0].gradient_checkpointing
    features, mask = padded_batch([64, 40], tiny_config.num_mel_bins)
    labels = torch.tensor([[3, 4, 5], [6, 7, -100]])
    model(features, attention_mask=mask, labels=labels).loss.backward()
    checkpointed(features, attention_mask=mask, labels=labels).loss.backward()
    for (name, p), q in zip(model.named_parameters(), checkpointed.parameters()):
        if p.grad is not None:
            torch.testing.assert_close(p.grad, q.grad, msg=name)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_forward_and_float32_ctc_loss(tiny_config, dtype):
    model = AuTTinyForCTC(tiny_config).eval().to(dtype)
    features, mask = padded_batch([64, 40], tiny_config.num_mel_bins)
    labels = torch.tensor([[3, 4, 5], [6, 7, -100]])
    out = model(features.to(dtype), attention_mask=mask, labels=labels)
    assert out.logits.dtype == dtype
    assert out.loss.dtype == torch.float32 and torch.isfinite(out.loss)
    reference = AuTTinyForCTC(tiny_config).eval()
    reference.load_state_dict({k: v.float() for k, v in model.state_dict().items()})
    assert abs(out.loss.item() - reference(features, attention_mask=mask, labels=labels).loss.item()) < 0.1


def test_compiles_with_fullgraph_on_a_fixed_shape(tiny_config):
    torch._dynamo.reset()
    model = AuTTinyModel(tiny_config).eval()
    features, mask = padded_batch([tiny_config.max_mel_length // 16, 30], tiny_config.num_mel_bins)
    compiled = torch.compile(model, fullgraph=True, backend="aot_eager")
    eager_out = model(features, attention_mask=mask)
    compiled_out = compiled(features, attention_mask=mask)
    torch.testing.assert_close(compiled_out.last_hidden_state, eager_out.last_hidden_state)


@pytest.mark.parametrize("compiled", [False, True])
def test_dropout_keeps_each_value_with_probability_1_minus_p_and_rescales_it(compiled):
    """Compiled by inductor on CPU, the mask must stay ATen's bernoulli_ kernel, not per-element random numbers in a
    generated loop: the reason the class exists."""
    from torch._inductor.utils import run_and_get_code

    torch._dynamo.reset()
    dropout = AuTTinyDropout(0.25).train()
    x = torch.full((64, 1000), 2.0)
    if compiled:
        dropout = torch.compile(dropout)
        out, code = run_and_get_code(dropout, x)
        assert "aten.bernoulli_" in "\n".join(code) and "normalized_rand_cpu" not in "\n".join(code)
    else:
        out = dropout(x)
    kept = out != 0
    assert abs(kept.float().mean().item() - 0.75) < 0.01  # 64,000 draws: standard deviation 0.0017
    torch.testing.assert_close(out[kept], torch.full_like(out[kept], 2.0 / 0.75))
    assert not torch.equal(kept, dropout(x) != 0)  # a new mask each call
    assert torch.equal(dropout.eval()(x), x)


def test_ctc_model_compiles_with_fullgraph_and_the_loss_stays_in_the_graph(tiny_config):
    torch._dynamo.reset()
    tiny_config.apply_spec_augment = False
    tiny_config.hidden_dropout = tiny_config.attention_dropout = tiny_config.activation_dropout = 0.0
    tiny_config.final_dropout = 0.0
    model = AuTTinyForCTC(tiny_config).train()
    features, mask = padded_batch([128, 60], tiny_config.num_mel_bins)
    labels = torch.tensor([[3, 4, 5, 6], [7, 8, -100, -100]])
    logits = torch.compile(model, fullgraph=True, backend="aot_eager")(features, attention_mask=mask).logits
    torch.testing.assert_close(logits, model(features, attention_mask=mask).logits)
    # The loss keeps static shapes (padded targets, not Transformers' flattened ones): the only break left is torch's
    # CTC kernel itself, whose outputs have a data-dependent size, so it runs eagerly after graphs of fixed shapes:
    # the model up to the logits, the targets' preparation, and the little that follows the kernel.
    explanation = torch._dynamo.explain(model)(features, attention_mask=mask, labels=labels)
    assert explanation.graph_count == 3
    for reason in explanation.break_reasons:
        assert "aten._ctc_loss" in reason.reason, reason
    loss = torch.compile(model, backend="aot_eager")(features, attention_mask=mask, labels=labels).loss
    loss.backward()
    torch.testing.assert_close(loss, model(features, attention_mask=mask, labels=labels).loss)
    assert model.lm_head.weight.grad is not None


def test_ctc_loss_matches_torch_ctc_loss(tiny_config):
    model = AuTTinyForCTC(tiny_config).eval()
    features, mask = padded_batch([120, 70], tiny_config.num_mel_bins)
    labels = torch.tensor([[3, 4, 4, 5, 9], [6, 7, -100, -100, -100]])
    out = model(features, attention_mask=mask, labels=labels)
    log_probs = out.logits.float().log_softmax(-1).transpose(0, 1)
    expected = torch.nn.functional.ctc_loss(
        log_probs,
        torch.tensor([3, 4, 4, 5, 9, 6, 7]),
        torch.tensor([15, 9]),
        torch.tensor([5, 2]),
        blank=0,
        reduction="mean",
        zero_infinity=True,
    )
    torch.testing.assert_close(out.loss, expected)


def test_labels_padded_with_the_blank_id_give_the_same_loss_as_with_minus_100(tiny_config):
    """Transformers' CTC collators pad labels with -100 or with the pad id, which is the blank."""
    model = AuTTinyForCTC(tiny_config).eval()
    features, mask = padded_batch([120, 70], tiny_config.num_mel_bins)
    with_ignore = torch.tensor([[3, 4, 4, 5], [6, 7, -100, -100]])
    with_blank = with_ignore.masked_fill(with_ignore == -100, tiny_config.pad_token_id)
    loss = model(features, attention_mask=mask, labels=with_ignore).loss
    torch.testing.assert_close(model(features, attention_mask=mask, labels=with_blank).loss, loss)


def test_labels_outside_the_vocabulary_raise(tiny_config):
    model = AuTTinyForCTC(tiny_config).eval()
    features, mask = padded_batch([64], tiny_config.num_mel_bins)
    with pytest.raises(ValueError, match="vocab_size"):
        model(features, attention_mask=mask, labels=torch.tensor([[3, tiny_config.vocab_size]]))
    with pytest.raises(ValueError, match="blank"):
        model(features, attention_mask=mask, labels=torch.tensor([[3, 0, 4]]))
    with pytest.raises(ValueError, match="-100"):
        model(features, attention_mask=mask, labels=torch.tensor([[3, -1]]))


def test_wrong_input_shapes_raise(tiny_config):
    model = AuTTinyModel(tiny_config).eval()
    with pytest.raises(ValueError, match="input_features"):
        model(torch.randn(1, 50, tiny_config.num_mel_bins + 1))
    with pytest.raises(ValueError, match="input_features"):
        model(torch.randn(50, tiny_config.num_mel_bins))
    with pytest.raises(ValueError, match="attention_mask"):
        model(torch.randn(1, 50, tiny_config.num_mel_bins), attention_mask=torch.ones(1, 49))


def test_freeze_encoder_leaves_only_the_head_trainable(tiny_config):
    model = AuTTinyForCTC(tiny_config)
    assert not model.model.projector.weight.requires_grad  # CTC never trains the projector
    model.freeze_encoder()
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    assert trainable == {"lm_head.weight", "lm_head.bias"}


def test_spec_augment_masks_only_in_training_and_only_valid_frames(tiny_config):
    tiny_config.mask_time_prob, tiny_config.mask_time_length, tiny_config.mask_time_min_masks = 0.2, 5, 1
    tiny_config.mask_feature_prob, tiny_config.mask_feature_length = 0.25, 4
    features = torch.randn(3, 200, tiny_config.num_mel_bins) + 10.0  # no natural zeros
    lengths = torch.tensor([200, 100, 20])
    masked = apply_spec_augment(features, lengths, tiny_config)
    for i, length in enumerate(lengths.tolist()):
        zero_frames = (masked[i] == 0).all(-1)
        assert zero_frames[:length].sum() > 0
        assert zero_frames[:length].sum() <= max(1, round(0.2 * length / 5)) * 5
        zero_bins = (masked[i, :length] == 0).all(0)
        assert 0 < zero_bins.sum() <= 4 * max(1, round(0.25 * tiny_config.num_mel_bins / 4))
    # Eval never masks: two eval passes agree; two training passes (dropout off) differ.
    tiny_config.hidden_dropout = tiny_config.attention_dropout = tiny_config.activation_dropout = 0.0
    model = AuTTinyModel(tiny_config)
    inputs = torch.randn(1, 200, tiny_config.num_mel_bins)
    model.eval()
    torch.testing.assert_close(model(inputs).last_hidden_state, model(inputs).last_hidden_state)
    model.train()
    assert not torch.allclose(model(inputs).last_hidden_state, model(inputs).last_hidden_state)


def _ddp_worker(rank: int, world_size: int, config_dict: dict, result_dir: str):
    # A file rendezvous: no port to race for; the timeout turns a lost peer into an error instead of a hang.
    dist.init_process_group(
        "gloo",
        init_method=f"file://{result_dir}/rendezvous",
        rank=rank,
        world_size=world_size,
        timeout=datetime.timedelta(seconds=120),
    )
    torch.manual_seed(0)
    model = AuTTinyForCTC(AuTTinyConfig(**config_dict)).train()
    ddp = torch.nn.parallel.DistributedDataParallel(model)  # find_unused_parameters=False, the default
    optimizer = torch.optim.SGD([p for p in ddp.parameters() if p.requires_grad], lr=0.1)
    torch.manual_seed(rank)  # different data per rank
    for _ in range(3):
        features = torch.randn(2, 64, config_dict["num_mel_bins"])
        loss = ddp(features, labels=torch.tensor([[3, 4], [5, -100]])).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    torch.save({k: v.detach() for k, v in model.state_dict().items()}, os.path.join(result_dir, f"rank{rank}.pt"))
    dist.barrier()
    # Leave without tearing down: freeing DDP's reducer after the process group can deadlock with gloo's worker
    # thread over the GIL (seen once in CI: both ranks had saved, one never exited). Exit code 0 is what spawn checks.
    os._exit(0)


def test_distributed_data_parallel_trains_without_unused_parameter_errors(tiny_config, tmp_path):
    config_dict = {k: v for k, v in tiny_config.to_dict().items() if k in AuTTinyConfig.__dataclass_fields__}
    mp.spawn(_ddp_worker, args=(2, config_dict, str(tmp_path)), nprocs=2, join=True)
    rank0 = torch.load(tmp_path / "rank0.pt")
    rank1 = torch.load(tmp_path / "rank1.pt")
    initial = AuTTinyForCTC(AuTTinyConfig(**config_dict)).state_dict()
    for name in rank0:
        torch.testing.assert_close(rank0[name], rank1[name], msg=name)  # gradients were all-reduced
    assert not torch.equal(rank0["lm_head.weight"], initial["lm_head.weight"])


def test_padded_target_ctc_loss_equals_transformers_ctc_loss():
    """Same values as `ForCTCLoss` (which flattens the targets), padding at the end or inside a row."""
    from transformers.loss.loss_ctc import ForCTCLoss

    from uomni_hf.modeling_aut_tiny import ctc_loss_with_padded_targets

    logits = torch.randn(3, 20, 12, requires_grad=True)
    labels = torch.tensor([[3, 4, 4, 5, 9], [6, -100, 7, 0, -100], [-100, -100, -100, 2, 2]])
    lengths = torch.tensor([20, 15, 9])
    for reduction in ("mean", "sum", "none"):
        ours = ctc_loss_with_padded_targets(logits, labels, lengths, blank_token_id=0, reduction=reduction)
        theirs = ForCTCLoss(logits, labels, lengths, blank_token_id=0, reduction=reduction)
        torch.testing.assert_close(ours, theirs)
    grad_ours, = torch.autograd.grad(ctc_loss_with_padded_targets(logits, labels, lengths, 0), logits)
    grad_theirs, = torch.autograd.grad(ForCTCLoss(logits, labels, lengths, 0), logits)
    torch.testing.assert_close(grad_ours, grad_theirs)


def _deterministic(config: AuTTinyConfig, **changes) -> AuTTinyConfig:
    """No dropout and no SpecAugment: training-mode forwards that can be compared with a reference."""
    config = copy.deepcopy(config)
    config.apply_spec_augment = False
    config.hidden_dropout = config.attention_dropout = config.activation_dropout = config.final_dropout = 0.0
    for name, value in changes.items():
        setattr(config, name, value)
    return config


def test_intermediate_ctc_adds_the_loss_of_a_lower_block_through_the_same_norm_and_head(tiny_config):
    config = _deterministic(tiny_config, intermediate_ctc_layer=1, intermediate_ctc_weight=0.25)
    model = AuTTinyForCTC(config).train()
    features, mask = padded_batch([120, 70], config.num_mel_bins)
    labels = torch.tensor([[3, 4, 4, 5, 9], [6, 7, -100, -100, -100]])
    out = model(features, attention_mask=mask, labels=labels)

    states = model.model(features, attention_mask=mask, output_hidden_states=True)
    lengths = states.attention_mask.sum(-1)

    def ctc(hidden):
        log_probs = model.lm_head(hidden).float().log_softmax(-1).transpose(0, 1)
        return torch.nn.functional.ctc_loss(
            log_probs, torch.tensor([3, 4, 4, 5, 9, 6, 7]), lengths, torch.tensor([5, 2]), zero_infinity=True
        )

    expected = 0.75 * ctc(states.last_hidden_state) + 0.25 * ctc(model.model.norm(states.hidden_states[1]))
    torch.testing.assert_close(out.loss, expected)
    assert out.hidden_states is None  # recorded for the loss, not returned unasked
    # Evaluation reports the plain CTC loss of the final states, comparable with models trained without it.
    torch.testing.assert_close(model.eval()(features, attention_mask=mask, labels=labels).loss, ctc(states.last_hidden_state))


def test_intermediate_ctc_layer_must_be_below_the_last_block():
    with pytest.raises(ValueError, match="intermediate_ctc_layer"):
        AuTTinyConfig(intermediate_ctc_layer=4)
    with pytest.raises(ValueError, match="intermediate_ctc_weight"):
        AuTTinyConfig(intermediate_ctc_layer=2, intermediate_ctc_weight=1.0)
    with pytest.raises(ValueError, match="consistency_ctc_weight"):
        AuTTinyConfig(consistency_ctc_weight=-0.1)


def test_consistency_term_is_the_symmetric_kl_per_label_with_detached_targets(tiny_config):
    model = AuTTinyForCTC(_deterministic(tiny_config)).train()
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 6, tiny_config.vocab_size, generator=generator, requires_grad=True)
    lengths = torch.tensor([6, 3, 6, 3])  # rows 0-1 are the first view, 2-3 the second
    labels = torch.tensor([[3, 4, 5], [6, -100, -100], [3, 4, 5], [6, -100, -100]])
    term = model._consistency_loss(logits, lengths, labels)

    p, q = logits[:2].log_softmax(-1), logits[2:].log_softmax(-1)
    kl_qp = (q.exp() * (q - p)).sum(-1)  # KL(q || p), per frame
    kl_pq = (p.exp() * (p - q)).sum(-1)
    frames = torch.tensor([[1.0] * 6, [1.0] * 3 + [0.0] * 3])
    expected = (0.5 * ((kl_qp + kl_pq) * frames).sum(-1) / torch.tensor([3.0, 1.0])).mean()
    torch.testing.assert_close(term, expected)
    # Each view is pulled towards the other, never the other way through the same path (the target is detached):
    # the gradient of the first view equals that of 0.5 * KL(sg(q) || p) alone.
    (grad,) = torch.autograd.grad(term, logits)
    p_only = logits[:2].log_softmax(-1)
    one_sided = (0.5 * ((q.detach().exp() * (q.detach() - p_only)).sum(-1) * frames).sum(-1) / torch.tensor([3.0, 1.0]))
    (expected_grad,) = torch.autograd.grad(one_sided.mean(), logits)
    torch.testing.assert_close(grad[:2], expected_grad[:2])


def test_consistency_ctc_runs_two_views_and_is_plain_ctc_when_they_agree(tiny_config):
    features, mask = padded_batch([120, 70], tiny_config.num_mel_bins)
    labels = torch.tensor([[3, 4, 4, 5, 9], [6, 7, -100, -100, -100]])
    plain = AuTTinyForCTC(_deterministic(tiny_config)).train()
    regularized = AuTTinyForCTC(_deterministic(tiny_config, consistency_ctc_weight=0.2)).train()
    regularized.load_state_dict(plain.state_dict())
    # Without dropout and SpecAugment the two views are the same: no divergence, the same loss, one row per input.
    out = regularized(features, attention_mask=mask, labels=labels)
    torch.testing.assert_close(out.loss, plain(features, attention_mask=mask, labels=labels).loss)
    assert out.logits.shape[0] == 2

    # With SpecAugment the views differ and the divergence adds to the loss.
    regularized.config.apply_spec_augment = plain.config.apply_spec_augment = True
    regularized.config.mask_time_prob = plain.config.mask_time_prob = 0.3
    torch.manual_seed(0)
    augmented = regularized(features, attention_mask=mask, labels=labels)
    torch.manual_seed(0)
    views = plain(features.repeat(2, 1, 1), attention_mask=mask.repeat(2, 1), labels=labels.repeat(2, 1))
    lengths = regularized.model._get_output_lengths(mask.sum(-1)).repeat(2)
    divergence = regularized._consistency_loss(views.logits, lengths, labels.repeat(2, 1))
    assert divergence > 0
    torch.testing.assert_close(augmented.loss, views.loss + 0.2 * divergence)


def test_compiled_training_step_with_intermediate_and_consistency_ctc_matches_eager(tiny_config):
    torch._dynamo.reset()
    model = AuTTinyForCTC(_deterministic(tiny_config, intermediate_ctc_layer=1, consistency_ctc_weight=0.2)).train()
    features, mask = padded_batch([128, 60], tiny_config.num_mel_bins)
    labels = torch.tensor([[3, 4, 5, 6], [7, 8, -100, -100]])
    loss = torch.compile(model, backend="aot_eager")(features, attention_mask=mask, labels=labels).loss
    torch.testing.assert_close(loss, model(features, attention_mask=mask, labels=labels).loss)
