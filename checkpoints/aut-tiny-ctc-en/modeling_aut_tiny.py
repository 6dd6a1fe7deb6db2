"""PyTorch AuT-Tiny: the audio encoder of μOmni and its CTC head."""

import copy
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.conversion_mapping import register_checkpoint_conversion_mapping
from transformers.core_model_loading import Chunk, WeightConverter, WeightRenaming
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import CausalLMOutput
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS, PreTrainedModel
from transformers.processing_utils import Unpack
from transformers.utils import ModelOutput, TransformersKwargs, can_return_tuple, logging
from transformers.utils.output_capturing import capture_outputs

from .configuration_aut_tiny import AuTTinyConfig


logger = logging.get_logger(__name__)

# Checkpoints saved before 2026-12 fused the attention input projections (`qkv_proj`) and called the output one
# `out_proj`; `from_pretrained` unfuses and renames them on load, `save_pretrained` writes the current layout
# (`uomni-convert-checkpoint` rewrites a folder).
register_checkpoint_conversion_mapping(
    "aut_tiny",
    [
        WeightConverter(
            source_patterns="self_attn.qkv_proj",
            target_patterns=["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"],
            operations=[Chunk(dim=0)],
        ),
        WeightRenaming(r"self_attn\.out_proj", "self_attn.o_proj"),
    ],
    overwrite=True,
)


@dataclass
class AuTTinyModelOutput(ModelOutput):
    r"""
    last_hidden_state (`torch.FloatTensor` of shape `(batch_size, frames, hidden_size)`):
        Encoder states at 12.5 Hz after the final RMSNorm; the CTC head reads these.
    projected_embeddings (`torch.FloatTensor` of shape `(batch_size, frames, projector_dim)`):
        `last_hidden_state` projected to the Thinker's width; the Thinker reads these.
    attention_mask (`torch.LongTensor` of shape `(batch_size, frames)`, *optional*):
        Which output frames are real (1) or padding (0). Returned because subsampling changes the length.
    hidden_states (`tuple(torch.FloatTensor)`, *optional*):
        The subsampler's output and the output of each block (the last one after the final RMSNorm, so
        `hidden_states[-1]` is `last_hidden_state`), returned with `output_hidden_states=True`.
    attentions (`tuple(torch.FloatTensor)`, *optional*):
        Attention probabilities of each block, `(batch_size, num_heads, frames, frames)`, with `output_attentions=True`
        and an implementation that computes them (`attn_implementation="eager"`).
    """

    last_hidden_state: torch.FloatTensor | None = None
    projected_embeddings: torch.FloatTensor | None = None
    attention_mask: torch.LongTensor | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None


@dataclass
class AuTTinyCTCOutput(CausalLMOutput):
    r"""
    `CausalLMOutput`, whose `loss` adds `config.distillation_weight` times `distillation_loss` to the CTC loss when
    `teacher_states` are given, with the two parts:

    ctc_loss (`torch.FloatTensor`, *optional*):
        The CTC part of `loss`, returned with `distillation_loss` (both `None` without `teacher_states`, so that
        evaluation outputs hold only the loss and the logits).
    distillation_loss (`torch.FloatTensor`, *optional*):
        The distillation loss before weighting, when `teacher_states` are given.
    """

    ctc_loss: torch.FloatTensor | None = None
    distillation_loss: torch.FloatTensor | None = None


def ctc_frames_needed(labels: torch.Tensor, label_mask: torch.Tensor) -> torch.Tensor:
    """Fewest output frames CTC needs per row: one per label plus a blank between each pair of equal neighbours."""
    repeats = ((labels[:, 1:] == labels[:, :-1]) & label_mask[:, 1:] & label_mask[:, :-1]).sum(-1)
    return label_mask.sum(-1) + repeats


def ctc_loss_with_padded_targets(
    logits: torch.Tensor,
    labels: torch.Tensor,
    logit_lengths: torch.Tensor,
    blank_token_id: int,
    reduction: str = "mean",
    zero_infinity: bool = False,
    ignore_index: int = -100,
    **kwargs,
) -> torch.Tensor:
    """Transformers' `ForCTCLoss`, on padded `(batch, labels)` targets instead of flattened ones.

    `ForCTCLoss` flattens the targets with `masked_select`, whose size depends on the data: under `torch.compile`
    that breaks the graph and recompiles the loss for every new total of labels, so static (bucketed) shapes never
    settle. Here each row's labels are moved to its front by a stable sort (padding may sit anywhere in a row) and
    `ctc_loss` reads the first `target_lengths` of each row: the same loss, with shapes fixed by the batch's.
    """
    labels = labels.to(logits.device)
    padding = (labels == ignore_index) | (labels == blank_token_id)
    order = torch.sort(padding.to(torch.int8), dim=-1, stable=True).indices
    targets = labels.gather(-1, order).masked_fill(padding.gather(-1, order), blank_token_id)
    log_probs = nn.functional.log_softmax(logits, dim=-1, dtype=torch.float32).transpose(0, 1)
    # 2-D targets never take cuDNN's CTC kernel (it wants them flat), so unlike `ForCTCLoss` there is no
    # `cudnn.flags(enabled=False)` context here: Dynamo cannot trace one, and it would split the compiled graph.
    return nn.functional.ctc_loss(
        log_probs,
        targets,
        logit_lengths,
        (~padding).sum(-1),
        blank=blank_token_id,
        reduction=reduction,
        zero_infinity=zero_infinity,
    )


def distillation_loss(
    predicted: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """DistilHuBERT's loss (Chang et al., 2022) on `(batch, frames, dim)` states: per frame, the L1 distance divided by
    `dim` minus the log-sigmoid of the cosine similarity, counted where `mask` is True (frames that have a teacher).
    `"mean"`: over all those frames of the batch; `"none"`: per utterance (0 without frames); `"sum"`: those summed.
    Computed in float32. Its minimum, at `predicted == target`, is `-log(sigmoid(1))` ≈ 0.313."""
    predicted, target = predicted.float(), target.float()
    cosine = nn.functional.cosine_similarity(predicted, target, dim=-1)
    per_frame = (predicted - target).abs().mean(-1) - nn.functional.logsigmoid(cosine)
    per_frame = torch.where(mask, per_frame, torch.zeros_like(per_frame))
    counts = mask.sum(-1)
    if reduction == "mean":
        return per_frame.sum() / counts.sum().clamp(min=1)
    per_utterance = per_frame.sum(-1) / counts.clamp(min=1)
    return per_utterance.sum() if reduction == "sum" else per_utterance


def lengths_to_mask(lengths: torch.Tensor, max_length: int) -> torch.Tensor:
    return torch.arange(max_length, device=lengths.device)[None, :] < lengths[:, None]


def apply_spec_augment(
    features: torch.Tensor, lengths: torch.Tensor, config: AuTTinyConfig, fill_value: float = 0.0
) -> torch.Tensor:
    """SpecAugment on (B, T, F) mel features, written with tensor ops only so compiled graphs don't break.

    The number of masks is static (derived from the padded shape); each utterance switches on as many of them as
    its own length calls for, so short utterances in a long batch are not over-masked.
    """
    batch_size, num_frames, num_bins = features.shape
    device = features.device
    keep = torch.ones(batch_size, num_frames, num_bins, dtype=torch.bool, device=device)

    if config.mask_time_prob > 0:
        width = config.mask_time_length
        max_masks = max(config.mask_time_min_masks, int(config.mask_time_prob * num_frames / width + 0.5))
        if max_masks > 0:
            wanted = (config.mask_time_prob * lengths.float() / width + 0.5).long()
            wanted = wanted.clamp(min=config.mask_time_min_masks, max=max_masks)
            room = (lengths - width).clamp(min=0).float()
            starts = (torch.rand(batch_size, max_masks, device=device) * (room[:, None] + 1)).long()
            enabled = torch.arange(max_masks, device=device)[None, :] < wanted[:, None]
            frames = torch.arange(num_frames, device=device)[None, None, :]
            hit = (frames >= starts[..., None]) & (frames < starts[..., None] + width) & enabled[..., None]
            keep = keep & ~hit.any(dim=1)[:, :, None]

    if config.mask_feature_prob > 0:
        width = min(config.mask_feature_length, num_bins)
        num_masks = max(config.mask_feature_min_masks, int(config.mask_feature_prob * num_bins / width + 0.5))
        if num_masks > 0:
            starts = torch.randint(0, num_bins - width + 1, (batch_size, num_masks), device=device)
            bins = torch.arange(num_bins, device=device)[None, None, :]
            hit = (bins >= starts[..., None]) & (bins < starts[..., None] + width)
            keep = keep & ~hit.any(dim=1)[:, None, :]

    return torch.where(keep, features, torch.full_like(features, fill_value))


class AuTTinyConvSubsampler(nn.Module):
    """Three stride-2 Conv1d layers: 100 Hz mel frames in, 12.5 Hz states out (T frames give ceil(T / 8))."""

    def __init__(self, config: AuTTinyConfig):
        super().__init__()
        channels = (config.num_mel_bins, *config.conv_channels)
        self.config = config
        self.convs = nn.ModuleList(
            nn.Conv1d(
                channels[i],
                channels[i + 1],
                kernel_size=config.conv_kernel_size,
                stride=config.conv_stride,
                padding=config.conv_kernel_size // 2,
            )
            for i in range(len(config.conv_channels))
        )
        self.activation = ACT2FN[config.hidden_act]

    def forward(self, input_features: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        hidden_states = input_features.transpose(1, 2)
        if lengths is not None:
            mask = lengths_to_mask(lengths, hidden_states.shape[-1])
            hidden_states = hidden_states * mask[:, None, :].to(hidden_states.dtype)
        for conv in self.convs:
            hidden_states = self.activation(conv(hidden_states))
            if lengths is not None:
                # Zero the padded frames so the next kernel sees exactly what an unpadded utterance would.
                lengths = self.config.num_output_frames(lengths, num_convs=1)
                mask = lengths_to_mask(lengths, hidden_states.shape[-1])
                hidden_states = hidden_states * mask[:, None, :].to(hidden_states.dtype)
        return hidden_states.transpose(1, 2)


class AuTTinyRMSNorm(nn.Module):
    def __init__(self, hidden_size: int, eps: float = 1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.eps = eps

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        # Normalize in float32: half-precision squares of activations overflow or lose the small ones.
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.eps)
        return self.weight * hidden_states.to(input_dtype)


def bernoulli_dropout(hidden_states: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Dropout whose mask comes from `Tensor.bernoulli_`: the same distribution, and the same speed in eager mode.

    Under `torch.compile` on CPU, inductor decomposes `nn.functional.dropout` into per-element random numbers inside
    its fused loops, which it cannot vectorize (here about a tenth of a compiled training step); it keeps
    `bernoulli_` on CPU as ATen's vectorized kernel."""
    if not training or p == 0.0:
        return hidden_states
    keep = torch.empty_like(hidden_states).bernoulli_(1.0 - p)
    return hidden_states * keep / (1.0 - p)


class AuTTinyDropout(nn.Dropout):
    """`nn.Dropout` through `bernoulli_dropout`, fast compiled on CPU too."""

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return bernoulli_dropout(hidden_states, self.p, self.training)


class AuTTinyRotaryEmbedding(nn.Module):
    """Rotary position embedding: relative offsets only, so any input length works.

    The frequencies are computed in `forward` rather than kept in a buffer: they are cheap, and a non-persistent
    buffer would be left uninitialized when `from_pretrained` builds the model on the meta device.
    """

    def __init__(self, config: AuTTinyConfig):
        super().__init__()
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.theta = float(config.rope_parameters["rope_theta"])

    @torch.no_grad()
    def forward(self, hidden_states: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        device = hidden_states.device
        exponents = torch.arange(0, self.head_dim, 2, device=device, dtype=torch.float32) / self.head_dim
        inv_freq = 1.0 / (self.theta**exponents)
        positions = torch.arange(hidden_states.shape[1], device=device, dtype=torch.float32)
        freqs = positions[:, None] * inv_freq[None, :]
        angles = torch.cat((freqs, freqs), dim=-1)
        return angles.cos().to(hidden_states.dtype), angles.sin().to(hidden_states.dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    return x * cos + rotate_half(x) * sin


def eager_attention_forward(
    module: nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float,
    dropout: float = 0.0,
    **kwargs: Unpack[TransformersKwargs],
) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention written out, returning the probabilities; `attention_mask` is boolean (True: may attend) or additive."""
    attn_weights = torch.matmul(query, key.transpose(2, 3)) * scaling
    if attention_mask is not None and attention_mask.dtype == torch.bool:
        attn_weights = attn_weights.masked_fill(~attention_mask, torch.finfo(attn_weights.dtype).min)
    elif attention_mask is not None:
        attn_weights = attn_weights + attention_mask
    attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query.dtype)
    # Not `bernoulli_dropout`: in a compiled stack of these layers, torch 2.13's inductor on CPU turns the in-place
    # bernoulli_ mask on the probabilities into NaN logits (tests/training/test_run.py).
    attn_weights = nn.functional.dropout(attn_weights, p=dropout, training=module.training)
    attn_output = torch.matmul(attn_weights, value).transpose(1, 2).contiguous()
    return attn_output, attn_weights


class AuTTinyAttention(nn.Module):
    """Bidirectional multi-head self-attention with rotary positions; the kernel is `config._attn_implementation`
    (eager, SDPA or flex attention), chosen with `attn_implementation=` as for any Transformers model."""

    def __init__(self, config: AuTTinyConfig):
        super().__init__()
        self.config = config
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.num_key_value_groups = 1
        self.scaling = self.head_dim**-0.5
        self.attention_dropout = config.attention_dropout
        self.is_causal = False
        self.q_proj = nn.Linear(config.hidden_size, config.hidden_size)
        self.k_proj = nn.Linear(config.hidden_size, config.hidden_size)
        self.v_proj = nn.Linear(config.hidden_size, config.hidden_size)
        self.o_proj = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(
        self,
        hidden_states: torch.Tensor,
        position_embeddings: tuple[torch.Tensor, torch.Tensor],
        attention_mask: torch.Tensor | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.head_dim)
        query = self.q_proj(hidden_states).view(hidden_shape).transpose(1, 2)  # (B, heads, T, head_dim)
        key = self.k_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        value = self.v_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        cos, sin = position_embeddings
        query = apply_rotary_pos_emb(query, cos, sin)
        key = apply_rotary_pos_emb(key, cos, sin)

        attention_interface: Callable = ALL_ATTENTION_FUNCTIONS.get_interface(
            self.config._attn_implementation, eager_attention_forward
        )
        attn_output, attn_weights = attention_interface(
            self,
            query,
            key,
            value,
            attention_mask,
            dropout=self.attention_dropout if self.training else 0.0,
            scaling=self.scaling,
            **kwargs,
        )
        attn_output = attn_output.reshape(*input_shape, -1).contiguous()
        return self.o_proj(attn_output), attn_weights


class AuTTinyFeedForward(nn.Module):
    def __init__(self, config: AuTTinyConfig):
        super().__init__()
        self.fc1 = nn.Linear(config.hidden_size, config.intermediate_size)
        self.activation = ACT2FN[config.hidden_act]
        self.activation_dropout = AuTTinyDropout(config.activation_dropout)
        self.fc2 = nn.Linear(config.intermediate_size, config.hidden_size)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.activation_dropout(self.activation(self.fc1(hidden_states))))


class AuTTinyEncoderLayer(GradientCheckpointingLayer):
    """Pre-norm Transformer block: x + Attn(RMSNorm(x)), then x + FFN(RMSNorm(x))."""

    def __init__(self, config: AuTTinyConfig):
        super().__init__()
        self.attn_norm = AuTTinyRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.self_attn = AuTTinyAttention(config)
        self.ffn_norm = AuTTinyRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.feed_forward = AuTTinyFeedForward(config)
        self.dropout = AuTTinyDropout(config.hidden_dropout)

    def forward(
        self,
        hidden_states: torch.Tensor,
        position_embeddings: tuple[torch.Tensor, torch.Tensor],
        attention_mask: torch.Tensor | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> torch.Tensor:
        attn_output, _ = self.self_attn(self.attn_norm(hidden_states), position_embeddings, attention_mask, **kwargs)
        hidden_states = hidden_states + self.dropout(attn_output)
        return hidden_states + self.dropout(self.feed_forward(self.ffn_norm(hidden_states)))


class AuTTinyPreTrainedModel(PreTrainedModel):
    config: AuTTinyConfig
    config_class = AuTTinyConfig
    base_model_prefix = "model"
    main_input_name = "input_features"
    input_modalities = "audio"
    supports_gradient_checkpointing = True
    _no_split_modules = ["AuTTinyEncoderLayer"]
    _supports_sdpa = True
    _supports_flex_attn = True
    _supports_flash_attn = False  # untested: the sliding window and key padding are boolean masks
    _can_compile_fullgraph = True
    _can_record_outputs = {"hidden_states": AuTTinyEncoderLayer, "attentions": AuTTinyAttention}
    # The CTC loss is a mean over utterances, each normalized by its own label count: it takes no
    # `num_items_in_batch`, so Trainer must average over gradient-accumulation steps and processes itself.
    accepts_loss_kwargs = False

    @torch.no_grad()
    def _init_weights(self, module: nn.Module):
        super()._init_weights(module)
        if isinstance(module, AuTTinyRMSNorm):
            init.ones_(module.weight)
        elif isinstance(module, nn.Conv1d):
            init.kaiming_normal_(module.weight)
            if module.bias is not None:
                init.zeros_(module.bias)

    def save_pretrained(self, save_directory, *args, save_original_format: bool = False, **kwargs):
        """`PreTrainedModel.save_pretrained`, in the current layout by default: Transformers would otherwise write a
        model loaded from a legacy folder back in the legacy layout (`save_original_format=True`)."""
        return super().save_pretrained(save_directory, *args, save_original_format=save_original_format, **kwargs)

    def _get_output_lengths(self, mel_lengths: torch.Tensor) -> torch.Tensor:
        """Number of 12.5 Hz output frames for the given numbers of mel frames: ceil(T / 8)."""
        return self.config.num_output_frames(mel_lengths)


class AuTTinyModel(AuTTinyPreTrainedModel):
    """The AuT-Tiny encoder: mel frames → 192-d states at 12.5 Hz (for CTC) and 256-d embeddings (for the Thinker)."""

    # Loading the encoder from a CTC checkpoint (the Thinker's route) leaves the heads behind, as intended.
    _keys_to_ignore_on_load_unexpected = [r"^lm_head\.", r"^distillation_head\."]

    def __init__(self, config: AuTTinyConfig):
        super().__init__(config)
        self.subsampler = AuTTinyConvSubsampler(config)
        self.rotary_emb = AuTTinyRotaryEmbedding(config)
        self.dropout = AuTTinyDropout(config.hidden_dropout)
        self.layers = nn.ModuleList(AuTTinyEncoderLayer(config) for _ in range(config.num_hidden_layers))
        self.norm = AuTTinyRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.projector = nn.Linear(config.hidden_size, config.projector_dim, bias=False)
        self.gradient_checkpointing = False
        self.post_init()

    def _attention_mask(self, output_mask: torch.Tensor | None, length: int, device: torch.device):
        """Who may attend whom: key padding, and with `config.sliding_window` keys at most that many frames away.
        Every frame may attend to itself, so no row is fully masked (a padded frame's output is discarded anyway).

        A boolean tensor for eager and SDPA, True where a query may attend a key: (B, 1, 1, T) key padding, or with a
        window (B or 1, 1, T, T). Flex attention gets the same rule as a `BlockMask`."""
        window = self.config.sliding_window
        if "flex" in self.config._attn_implementation:
            return self._flex_block_mask(output_mask, length, device)
        key_padding = output_mask[:, None, None, :] if output_mask is not None else None
        if window is None:
            return key_padding
        positions = torch.arange(length, device=device)
        distance = positions[None, :] - positions[:, None]
        mask = (distance.abs() <= window)[None, None]
        if key_padding is not None:
            mask = (mask & key_padding) | (distance == 0)
        return mask

    def _flex_block_mask(self, output_mask: torch.Tensor | None, length: int, device: torch.device):
        from torch.nn.attention.flex_attention import create_block_mask

        window = self.config.sliding_window
        lengths = output_mask.sum(-1) if output_mask is not None else None

        def mask_mod(batch, head, query, key):
            allowed = query >= 0  # all True, as a tensor
            if lengths is not None:
                allowed = allowed & (key < lengths[batch])
            if window is not None:
                allowed = allowed & ((query - key).abs() <= window)
            return allowed | (query == key)

        batch_size = output_mask.shape[0] if output_mask is not None else None
        return create_block_mask(mask_mod, batch_size, None, length, length, device=device)

    def _check_inputs(self, input_features: torch.Tensor, attention_mask: torch.Tensor | None):
        if input_features.dim() != 3 or input_features.shape[-1] != self.config.num_mel_bins:
            raise ValueError(
                f"`input_features` must have shape (batch, frames, {self.config.num_mel_bins}), got "
                f"{tuple(input_features.shape)}. Use AuTTinyFeatureExtractor to turn audio into mel frames."
            )
        if input_features.shape[1] == 0:
            raise ValueError("`input_features` has 0 frames; the audio is empty.")
        if attention_mask is not None and tuple(attention_mask.shape) != tuple(input_features.shape[:2]):
            raise ValueError(
                f"`attention_mask` must have shape (batch, frames) = {tuple(input_features.shape[:2])} to match "
                f"`input_features`, got {tuple(attention_mask.shape)}."
            )

    @capture_outputs
    def forward(
        self,
        input_features: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        compute_projection: bool = True,
        **kwargs: Unpack[TransformersKwargs],
    ) -> AuTTinyModelOutput:
        r"""
        input_features (`torch.FloatTensor` of shape `(batch_size, frames, num_mel_bins)`):
            Log-mel frames at 100 Hz from [`AuTTinyFeatureExtractor`].
        attention_mask (`torch.Tensor` of shape `(batch_size, frames)`, *optional*):
            1 for real mel frames, 0 for padding.
        compute_projection (`bool`, *optional*, defaults to `True`):
            Whether to compute `projected_embeddings` (the CTC head does not need them).
        """
        self._check_inputs(input_features, attention_mask)
        mel_lengths = attention_mask.sum(-1) if attention_mask is not None else None
        if self.training and self.config.apply_spec_augment:
            if mel_lengths is None:
                mel_lengths = torch.full(
                    (input_features.shape[0],), input_features.shape[1], device=input_features.device
                )
            input_features = apply_spec_augment(input_features, mel_lengths, self.config)

        hidden_states = self.subsampler(input_features, mel_lengths)
        position_embeddings = self.rotary_emb(hidden_states)
        hidden_states = self.dropout(hidden_states)

        output_mask = None
        if mel_lengths is not None:
            output_mask = lengths_to_mask(self._get_output_lengths(mel_lengths), hidden_states.shape[1])
        attention_mask = self._attention_mask(output_mask, hidden_states.shape[1], hidden_states.device)

        for layer in self.layers:
            hidden_states = layer(hidden_states, position_embeddings, attention_mask, **kwargs)
        hidden_states = self.norm(hidden_states)
        return AuTTinyModelOutput(
            last_hidden_state=hidden_states,
            projected_embeddings=self.projector(hidden_states) if compute_projection else None,
            attention_mask=output_mask.long() if output_mask is not None else None,
        )


class AuTTinyForCTC(AuTTinyPreTrainedModel):
    """AuT-Tiny with a linear CTC head on the 192-d encoder states (and, for distillation, a training-only head)."""

    # `self.loss_function`: Transformers' CTC loss with shapes that stay static under torch.compile.
    _loss_function = staticmethod(ctc_loss_with_padded_targets)
    # The distillation head is training-only: a folder saved with it loads into a model without one (shipped), and a
    # model that distills starts a fresh one from a folder without it, both without a load report.
    _keys_to_ignore_on_load_unexpected = [r"^distillation_head\."]
    _keys_to_ignore_on_load_missing = [r"^distillation_head\."]

    def __init__(self, config: AuTTinyConfig):
        super().__init__(config)
        self.model = AuTTinyModel(config)
        # CTC never reaches the projector (it feeds the Thinker). Freezing it keeps DistributedDataParallel from
        # waiting for gradients that never arrive, and keeps it out of the optimizer.
        self.model.projector.requires_grad_(False)
        self.dropout = AuTTinyDropout(config.final_dropout)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size)
        self.distillation_head = (
            nn.Linear(config.hidden_size, config.distillation_dim) if config.distillation_dim > 0 else None
        )
        self.post_init()

    def without_distillation_head(self) -> "AuTTinyForCTC":
        """The model to ship: these weights without the training-only distillation head, under a config that says so
        (`distillation_dim=0`), so a shipped folder holds only what inference uses. `self` if there is no head; else a
        new model (the training model keeps its head)."""
        if self.distillation_head is None:
            return self
        config = copy.deepcopy(self.config)
        config.distillation_dim = 0
        shipped = type(self)(config).to(self.dtype)
        shipped.load_state_dict(
            {name: value for name, value in self.state_dict().items() if not name.startswith("distillation_head.")}
        )
        return shipped.train(self.training)

    def save_pretrained(self, save_directory, *args, **kwargs):
        # A CTC folder also serves the encoder alone (the Thinker's `AutoModel` route): with remote code, map
        # `AutoModel` too, not only the class being saved.
        if self._auto_class is not None:
            encoder = type(self.model)
            self.config.auto_map = {
                **(getattr(self.config, "auto_map", None) or {}),
                "AutoModel": f"{encoder.__module__.split('.')[-1]}.{encoder.__name__}",
            }
        return super().save_pretrained(save_directory, *args, **kwargs)

    def freeze_feature_encoder(self):
        """Freeze the convolutional subsampler, as Wav2Vec2's `freeze_feature_encoder` does for its CNN."""
        self.model.subsampler.requires_grad_(False)

    def freeze_encoder(self):
        """Freeze every encoder weight so that only the CTC head trains (e.g. for a new vocabulary)."""
        self.model.requires_grad_(False)

    def _check_labels(self, labels: torch.Tensor, input_features: torch.Tensor):
        if labels.dim() != 2 or labels.shape[0] != input_features.shape[0]:
            raise ValueError(
                f"`labels` must have shape (batch, max_label_length) with batch {input_features.shape[0]}, got "
                f"{tuple(labels.shape)}."
            )
        if torch.compiler.is_compiling():
            return  # value checks are data-dependent and would break the graph
        real = self._label_mask(labels)
        if (labels[real] >= self.config.vocab_size).any():
            raise ValueError(
                f"`labels` contain token ids >= vocab_size ({self.config.vocab_size}), up to "
                f"{int(labels.max())}; the tokenizer and the model config disagree."
            )
        if (labels[real] < 0).any():
            raise ValueError("`labels` may only contain token ids, and -100 or the blank id as padding.")
        # Padding (-100 or the blank/pad id, as Transformers' CTC collators use) may only follow the labels.
        padding_then_label = (~real[:, :-1] & real[:, 1:]).any()
        if padding_then_label:
            raise ValueError(
                f"`labels` have a label after padding (-100 or the blank/pad id {self.config.pad_token_id}); a CTC "
                "target cannot contain the blank, and padding goes at the end."
            )

    def _label_mask(self, labels: torch.Tensor) -> torch.Tensor:
        """True at real labels; -100 and the blank/pad id are padding, as in Transformers' CTC loss."""
        return (labels != -100) & (labels != self.config.pad_token_id)

    def _warn_infeasible(self, labels: torch.Tensor, input_lengths: torch.Tensor):
        """CTC needs a frame per label plus a blank between equal neighbours; say so when a transcript cannot fit."""
        infeasible = int((ctc_frames_needed(labels, self._label_mask(labels)) > input_lengths).sum())
        if infeasible:
            outcome = "get zero loss (ctc_zero_infinity)" if self.config.ctc_zero_infinity else "make the loss infinite"
            logger.warning(
                f"{infeasible} of {labels.shape[0]} utterances have more CTC labels than output frames; they cannot be "
                f"learned and {outcome}."
            )

    def _head(self, hidden_states: torch.Tensor, output_mask: torch.Tensor | None) -> torch.Tensor:
        logits = self.lm_head(self.dropout(hidden_states))
        if output_mask is not None:
            # Padded frames predict blank, so greedy decoding of a padded batch equals decoding one by one.
            blank = torch.full_like(logits, torch.finfo(logits.dtype).min)
            blank[..., self.config.pad_token_id] = 0
            logits = torch.where(output_mask[..., None].bool(), logits, blank)
        return logits

    def _ctc_loss(self, logits: torch.Tensor, labels: torch.Tensor, input_lengths: torch.Tensor) -> torch.Tensor:
        return self.loss_function(
            logits=logits,
            labels=labels,
            logit_lengths=input_lengths,
            blank_token_id=self.config.pad_token_id,
            reduction=self.config.ctc_loss_reduction,
            zero_infinity=self.config.ctc_zero_infinity,
        )

    def _consistency_loss(
        self, logits: torch.Tensor, input_lengths: torch.Tensor, labels: torch.Tensor
    ) -> torch.Tensor:
        """CR-CTC's term for a batch of two views (first half, second half): the symmetric KL divergence between
        their frame posteriors, each side's target detached, summed over real frames. Reduced as the CTC loss is
        (`"mean"`: per label, then over the batch), so its weight means the same at any utterance length."""
        log_probs = nn.functional.log_softmax(logits, dim=-1, dtype=torch.float32)
        first, second = log_probs.chunk(2)
        kl = nn.functional.kl_div(first, second.detach(), reduction="none", log_target=True)
        kl = kl + nn.functional.kl_div(second, first.detach(), reduction="none", log_target=True)
        frames = lengths_to_mask(input_lengths[: first.shape[0]], first.shape[1])
        per_utterance = 0.5 * (kl.sum(-1) * frames).sum(-1)
        if self.config.ctc_loss_reduction == "none":
            return per_utterance
        if self.config.ctc_loss_reduction == "sum":
            return per_utterance.sum()
        label_counts = self._label_mask(labels[: first.shape[0]]).sum(-1).clamp(min=1)
        return (per_utterance / label_counts).mean()

    def _per_view(self, loss: torch.Tensor, num_views: int) -> torch.Tensor:
        """A loss over `num_views` copies of the batch as the mean over the copies (as CR-CTC averages them)."""
        if self.config.ctc_loss_reduction == "none":
            return loss.view(num_views, -1).mean(0)
        return loss / num_views if self.config.ctc_loss_reduction == "sum" else loss

    def _loss(
        self,
        outputs: AuTTinyModelOutput,
        logits: torch.Tensor,
        labels: torch.Tensor,
        input_lengths: torch.Tensor,
        num_views: int,
    ) -> torch.Tensor:
        """CTC on the final states, with intermediate CTC and the consistency term where the config asks for them.
        With two views, each loss is the mean of the two (as CR-CTC averages them)."""
        loss = self._per_view(self._ctc_loss(logits, labels, input_lengths), num_views)
        layer = self.config.intermediate_ctc_layer
        if layer is not None and self.training:
            # Through the same final norm and head (InterCTC shares them), so the lower blocks learn the output space.
            intermediate = self._head(self.model.norm(outputs.hidden_states[layer]), outputs.attention_mask)
            weight = self.config.intermediate_ctc_weight
            intermediate_loss = self._per_view(self._ctc_loss(intermediate, labels, input_lengths), num_views)
            loss = (1 - weight) * loss + weight * intermediate_loss
        if num_views == 2:
            loss = loss + self.config.consistency_ctc_weight * self._consistency_loss(logits, input_lengths, labels)
        return loss

    def _check_teacher(
        self, teacher_states: torch.Tensor, teacher_mask: torch.Tensor | None, input_features: torch.Tensor
    ):
        if self.distillation_head is None:
            raise ValueError(
                "`teacher_states` were given, but the model has no distillation head: set `distillation_dim` (the "
                "teacher's width) in the config."
            )
        frames = int(self.config.num_output_frames(input_features.shape[1]))
        expected = (input_features.shape[0], frames, self.config.distillation_dim)
        if tuple(teacher_states.shape) != expected:
            raise ValueError(
                f"`teacher_states` must have shape (batch, output frames, distillation_dim) = {expected}, got "
                f"{tuple(teacher_states.shape)}: interpolate the teacher's frames to the model's output frames, as "
                "`DataCollatorCTCWithPadding` does."
            )
        if teacher_mask is not None and tuple(teacher_mask.shape) != expected[:2]:
            raise ValueError(
                f"`teacher_mask` must have shape (batch, output frames) = {expected[:2]}, got "
                f"{tuple(teacher_mask.shape)}."
            )

    def _distillation_loss(
        self,
        outputs: AuTTinyModelOutput,
        teacher_states: torch.Tensor,
        teacher_mask: torch.Tensor | None,
        num_views: int,
    ) -> torch.Tensor:
        """The head's prediction from the distilled states against the teacher's, on real frames that have one."""
        layer = self.config.distillation_layer
        states = outputs.last_hidden_state if layer is None else outputs.hidden_states[layer]
        frames = torch.ones(states.shape[:2], dtype=torch.bool, device=states.device)
        if teacher_mask is not None:
            frames = frames & teacher_mask.bool()
        if outputs.attention_mask is not None:
            frames = frames & outputs.attention_mask.bool()
        loss = distillation_loss(self.distillation_head(states), teacher_states, frames, self.config.ctc_loss_reduction)
        return self._per_view(loss, num_views)

    @can_return_tuple
    def forward(
        self,
        input_features: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        teacher_states: torch.Tensor | None = None,
        teacher_mask: torch.Tensor | None = None,
        **kwargs: Unpack[TransformersKwargs],
    ) -> AuTTinyCTCOutput:
        r"""
        labels (`torch.LongTensor` of shape `(batch_size, max_label_length)`, *optional*):
            CTC targets, padded at the end with -100 or the blank/pad id. Ids must be in `[1, vocab_size)`: 0 is the
            blank.
        teacher_states (`torch.FloatTensor` of shape `(batch_size, output_frames, distillation_dim)`, *optional*):
            A teacher's states for each output frame, for a model with a distillation head (`distillation_dim`): their
            distillation loss, times `distillation_weight`, is added to the CTC loss. The teacher's frames must already
            be at the model's output frames (`DataCollatorCTCWithPadding` interpolates them).
        teacher_mask (`torch.BoolTensor` of shape `(batch_size, output_frames)`, *optional*):
            Which frames have a teacher state (default: every real output frame); an utterance without a teacher has
            none.
        """
        if labels is not None:
            self._check_labels(labels, input_features)
        if teacher_states is not None:
            self._check_teacher(teacher_states, teacher_mask, input_features)

        training_loss = labels is not None and self.training
        num_views = 2 if training_loss and self.config.consistency_ctc_weight > 0 else 1
        if num_views == 2:  # two views of each utterance: SpecAugment and dropout draw anew for the copy
            input_features = input_features.repeat(2, 1, 1)
            attention_mask = attention_mask.repeat(2, 1) if attention_mask is not None else None
            labels = labels.repeat(2, 1)
            if teacher_states is not None:
                teacher_states = teacher_states.repeat(2, 1, 1)
                teacher_mask = teacher_mask.repeat(2, 1) if teacher_mask is not None else None
        output_hidden_states = kwargs.get("output_hidden_states", self.config.output_hidden_states)
        intermediate = training_loss and self.config.intermediate_ctc_layer is not None
        if intermediate or (teacher_states is not None and self.config.distillation_layer is not None):
            kwargs = {**kwargs, "output_hidden_states": True}

        outputs = self.model(input_features, attention_mask=attention_mask, compute_projection=False, **kwargs)
        logits = self._head(outputs.last_hidden_state, outputs.attention_mask)

        loss = ctc_loss = distillation = None
        if labels is not None:
            if outputs.attention_mask is not None:
                input_lengths = outputs.attention_mask.sum(-1)
            else:
                input_lengths = torch.full((logits.shape[0],), logits.shape[1], device=logits.device)
            if not torch.compiler.is_compiling():
                self._warn_infeasible(labels, input_lengths)
            loss = ctc_loss = self._loss(outputs, logits, labels, input_lengths, num_views)
        if teacher_states is not None:
            distillation = self._distillation_loss(outputs, teacher_states, teacher_mask, num_views)
            weighted = self.config.distillation_weight * distillation
            loss = weighted if loss is None else loss + weighted

        batch_size = logits.shape[0] // num_views  # the outputs of the first view: one row per input utterance
        hidden_states = outputs.hidden_states if output_hidden_states else None
        return AuTTinyCTCOutput(
            loss=loss,
            logits=logits[:batch_size],
            hidden_states=tuple(h[:batch_size] for h in hidden_states) if hidden_states is not None else None,
            attentions=tuple(a[:batch_size] for a in outputs.attentions) if outputs.attentions is not None else None,
            ctc_loss=ctc_loss if distillation is not None else None,
            distillation_loss=distillation,
        )


__all__ = ["AuTTinyPreTrainedModel", "AuTTinyModel", "AuTTinyForCTC"]
