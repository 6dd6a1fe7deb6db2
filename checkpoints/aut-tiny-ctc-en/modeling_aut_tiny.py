"""PyTorch AuT-Tiny: the audio encoder of μOmni and its CTC head."""

from dataclasses import dataclass

import torch
from safetensors import SafetensorError
from torch import nn
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import CausalLMOutput
from transformers.modeling_utils import PreTrainedModel
from transformers.utils import ModelOutput, logging

from .configuration_aut_tiny import AuTTinyConfig


logger = logging.get_logger(__name__)


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
        The subsampler's output and the output of each block, returned with `output_hidden_states=True`.
    attentions (`tuple(torch.FloatTensor)`, *optional*):
        Attention probabilities of each block, `(batch_size, num_heads, frames, frames)`, with `output_attentions=True`.
    """

    last_hidden_state: torch.FloatTensor | None = None
    projected_embeddings: torch.FloatTensor | None = None
    attention_mask: torch.LongTensor | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None


def subsampled_lengths(lengths: torch.Tensor, num_convs: int, stride: int) -> torch.Tensor:
    """Valid frames after `num_convs` stride-`stride` convolutions padded so that T frames give ceil(T / stride)."""
    for _ in range(num_convs):
        lengths = torch.div(lengths + stride - 1, stride, rounding_mode="floor")
    return lengths


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
        self.stride = config.conv_stride
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
                lengths = subsampled_lengths(lengths, 1, self.stride)
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


class AuTTinyRotaryEmbedding(nn.Module):
    """Rotary position embedding: relative offsets only, so any input length works.

    The frequencies are computed in `forward` rather than kept in a buffer: they are cheap, and a non-persistent
    buffer would be left uninitialized when `from_pretrained` builds the model on the meta device.
    """

    def __init__(self, config: AuTTinyConfig):
        super().__init__()
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.theta = float(config.rope_theta)

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


class AuTTinyAttention(nn.Module):
    """Bidirectional multi-head self-attention with a key-padding mask, run by `scaled_dot_product_attention`."""

    def __init__(self, config: AuTTinyConfig):
        super().__init__()
        self.config = config
        self.num_heads = config.num_attention_heads
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.dropout = config.attention_dropout
        self.qkv_proj = nn.Linear(config.hidden_size, 3 * config.hidden_size)
        self.out_proj = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(
        self,
        hidden_states: torch.Tensor,
        position_embeddings: tuple[torch.Tensor, torch.Tensor],
        attention_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        batch_size, num_frames, _ = hidden_states.shape
        qkv = self.qkv_proj(hidden_states).view(batch_size, num_frames, 3, self.num_heads, self.head_dim)
        query, key, value = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each (B, heads, T, head_dim)
        cos, sin = position_embeddings
        query = apply_rotary_pos_emb(query, cos, sin)
        key = apply_rotary_pos_emb(key, cos, sin)
        dropout = self.dropout if self.training else 0.0

        # `attention_mask` is boolean, True where a query may attend a key: (B, 1, 1, T) key padding, or (B, 1, T, T)
        # with `config.attention_window`.
        if output_attentions or self.config._attn_implementation == "eager":
            scores = torch.matmul(query, key.transpose(-1, -2)) * self.head_dim**-0.5
            if attention_mask is not None:
                scores = scores.masked_fill(~attention_mask, torch.finfo(scores.dtype).min)
            weights = scores.softmax(dim=-1, dtype=torch.float32).to(query.dtype)
            attn_output = torch.matmul(nn.functional.dropout(weights, p=dropout, training=self.training), value)
        else:
            weights = None
            attn_output = nn.functional.scaled_dot_product_attention(
                query, key, value, attn_mask=attention_mask, dropout_p=dropout
            )

        attn_output = attn_output.transpose(1, 2).reshape(batch_size, num_frames, -1)
        return self.out_proj(attn_output), weights


class AuTTinyFeedForward(nn.Module):
    def __init__(self, config: AuTTinyConfig):
        super().__init__()
        self.fc1 = nn.Linear(config.hidden_size, config.intermediate_size)
        self.activation = ACT2FN[config.hidden_act]
        self.activation_dropout = nn.Dropout(config.activation_dropout)
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
        self.dropout = nn.Dropout(config.hidden_dropout)

    def forward(
        self,
        hidden_states: torch.Tensor,
        position_embeddings: tuple[torch.Tensor, torch.Tensor],
        attention_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        attn_output, attn_weights = self.self_attn(
            self.attn_norm(hidden_states), position_embeddings, attention_mask, output_attentions
        )
        hidden_states = hidden_states + self.dropout(attn_output)
        hidden_states = hidden_states + self.dropout(self.feed_forward(self.ffn_norm(hidden_states)))
        return hidden_states, attn_weights


class AuTTinyPreTrainedModel(PreTrainedModel):
    config: AuTTinyConfig
    config_class = AuTTinyConfig
    base_model_prefix = "model"
    main_input_name = "input_features"
    input_modalities = "audio"
    supports_gradient_checkpointing = True
    _no_split_modules = ["AuTTinyEncoderLayer"]
    _supports_sdpa = True

    @torch.no_grad()
    def _init_weights(self, module: nn.Module):
        super()._init_weights(module)
        if isinstance(module, AuTTinyRMSNorm):
            init.ones_(module.weight)
        elif isinstance(module, nn.Conv1d):
            init.kaiming_normal_(module.weight)
            if module.bias is not None:
                init.zeros_(module.bias)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        """`PreTrainedModel.from_pretrained`, from safetensors only: no pickle is ever unpickled, and a corrupted
        or truncated weights file is an error that says so."""
        if kwargs.get("use_safetensors") is False:
            raise ValueError("AuT-Tiny loads weights from safetensors only; `use_safetensors=False` is not supported.")
        kwargs["use_safetensors"] = True
        try:
            return super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs)
        except SafetensorError as error:
            raise OSError(
                f"The safetensors weights of {pretrained_model_name_or_path} cannot be read; the file is corrupted "
                f"or truncated ({error})."
            ) from error

    def _get_output_lengths(self, mel_lengths: torch.Tensor) -> torch.Tensor:
        """Number of 12.5 Hz output frames for the given numbers of mel frames: ceil(T / 8)."""
        return subsampled_lengths(mel_lengths, len(self.config.conv_channels), self.config.conv_stride)


class AuTTinyModel(AuTTinyPreTrainedModel):
    """The AuT-Tiny encoder: mel frames → 192-d states at 12.5 Hz (for CTC) and 256-d embeddings (for the Thinker)."""

    def __init__(self, config: AuTTinyConfig):
        super().__init__(config)
        self.subsampler = AuTTinyConvSubsampler(config)
        self.rotary_emb = AuTTinyRotaryEmbedding(config)
        self.dropout = nn.Dropout(config.hidden_dropout)
        self.layers = nn.ModuleList(AuTTinyEncoderLayer(config) for _ in range(config.num_hidden_layers))
        self.norm = AuTTinyRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.projector = nn.Linear(config.hidden_size, config.projector_dim, bias=False)
        self.gradient_checkpointing = False
        self.post_init()

    def _attention_mask(self, output_mask: torch.Tensor | None, length: int, device: torch.device) -> torch.Tensor | None:
        """Boolean mask for SDPA, True where a query may attend a key: (B, 1, 1, T) key padding, or with
        `config.attention_window`, (B or 1, 1, T, T) valid keys within the window. Every frame may attend to itself,
        so no row is fully masked (a padded frame's output is discarded anyway)."""
        key_padding = output_mask[:, None, None, :] if output_mask is not None else None
        window = self.config.attention_window
        if window is None:
            return key_padding
        positions = torch.arange(length, device=device)
        distance = positions[None, :] - positions[:, None]
        mask = (distance.abs() <= window)[None, None]
        if key_padding is not None:
            mask = (mask & key_padding) | (distance == 0)
        return mask

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

    def forward(
        self,
        input_features: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        compute_projection: bool = True,
        **kwargs,
    ) -> AuTTinyModelOutput | tuple:
        r"""
        input_features (`torch.FloatTensor` of shape `(batch_size, frames, num_mel_bins)`):
            Log-mel frames at 100 Hz from [`AuTTinyFeatureExtractor`].
        attention_mask (`torch.Tensor` of shape `(batch_size, frames)`, *optional*):
            1 for real mel frames, 0 for padding.
        compute_projection (`bool`, *optional*, defaults to `True`):
            Whether to compute `projected_embeddings` (the CTC head does not need them).
        """
        self._check_inputs(input_features, attention_mask)
        output_attentions = output_attentions if output_attentions is not None else self.config.output_attentions
        output_hidden_states = (
            output_hidden_states if output_hidden_states is not None else self.config.output_hidden_states
        )
        return_dict = return_dict if return_dict is not None else self.config.return_dict

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

        all_hidden_states = (hidden_states,) if output_hidden_states else None
        all_attentions = () if output_attentions else None
        for layer in self.layers:
            hidden_states, attn_weights = layer(hidden_states, position_embeddings, attention_mask, output_attentions)
            if output_hidden_states:
                all_hidden_states += (hidden_states,)
            if output_attentions:
                all_attentions += (attn_weights,)

        hidden_states = self.norm(hidden_states)
        output = AuTTinyModelOutput(
            last_hidden_state=hidden_states,
            projected_embeddings=self.projector(hidden_states) if compute_projection else None,
            attention_mask=output_mask.long() if output_mask is not None else None,
            hidden_states=all_hidden_states,
            attentions=all_attentions,
        )
        return output if return_dict else output.to_tuple()


class AuTTinyForCTC(AuTTinyPreTrainedModel):
    """AuT-Tiny with a linear CTC head on the 192-d encoder states."""

    def __init__(self, config: AuTTinyConfig):
        super().__init__(config)
        self.model = AuTTinyModel(config)
        # CTC never reaches the projector (it feeds the Thinker). Freezing it keeps DistributedDataParallel from
        # waiting for gradients that never arrive, and keeps it out of the optimizer.
        self.model.projector.requires_grad_(False)
        self.dropout = nn.Dropout(config.final_dropout)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size)
        self.post_init()

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
        valid = labels >= 0
        if (labels[valid] >= self.config.vocab_size).any():
            raise ValueError(
                f"`labels` contain token ids >= vocab_size ({self.config.vocab_size}), up to "
                f"{int(labels.max())}; the tokenizer and the model config disagree."
            )
        if ((labels < 0) & (labels != -100)).any():
            raise ValueError("`labels` may only contain token ids or -100 (padding).")
        if (labels[valid] == self.config.pad_token_id).any():
            raise ValueError(
                f"`labels` contain the blank/pad id {self.config.pad_token_id}; pad labels with -100 instead."
            )

    def _warn_infeasible(self, labels: torch.Tensor, target_mask: torch.Tensor, input_lengths: torch.Tensor):
        """CTC needs a frame per label plus a blank between equal neighbours; say so when a transcript cannot fit."""
        repeats = ((labels[:, 1:] == labels[:, :-1]) & target_mask[:, 1:]).sum(-1)
        infeasible = int((target_mask.sum(-1) + repeats > input_lengths).sum())
        if infeasible:
            outcome = "get zero loss (ctc_zero_infinity)" if self.config.ctc_zero_infinity else "make the loss infinite"
            logger.warning(
                f"{infeasible} of {labels.shape[0]} utterances have more CTC labels than output frames; they cannot be "
                f"learned and {outcome}."
            )

    def forward(
        self,
        input_features: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> CausalLMOutput | tuple:
        r"""
        labels (`torch.LongTensor` of shape `(batch_size, max_label_length)`, *optional*):
            CTC targets, padded with -100. Ids must be in `[1, vocab_size)`: 0 is the blank.
        """
        return_dict = return_dict if return_dict is not None else self.config.return_dict
        if labels is not None:
            self._check_labels(labels, input_features)

        outputs = self.model(
            input_features,
            attention_mask=attention_mask,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            return_dict=True,
            compute_projection=False,
        )
        logits = self.lm_head(self.dropout(outputs.last_hidden_state))
        if outputs.attention_mask is not None:
            # Padded frames predict blank, so greedy decoding of a padded batch equals decoding one by one.
            blank = torch.full_like(logits, torch.finfo(logits.dtype).min)
            blank[..., self.config.pad_token_id] = 0
            logits = torch.where(outputs.attention_mask[..., None].bool(), logits, blank)

        loss = None
        if labels is not None:
            if outputs.attention_mask is not None:
                input_lengths = outputs.attention_mask.sum(-1)
            else:
                input_lengths = torch.full((logits.shape[0],), logits.shape[1], device=logits.device)
            target_mask = labels >= 0
            target_lengths = target_mask.sum(-1)
            # Padded 2-D targets (ignored past each length) keep shapes static for compiled training.
            targets = labels.masked_fill(~target_mask, 0)
            log_probs = nn.functional.log_softmax(logits.float(), dim=-1).transpose(0, 1)
            if not torch.compiler.is_compiling():
                self._warn_infeasible(labels, target_mask, input_lengths)
            loss = nn.functional.ctc_loss(
                log_probs,
                targets,
                input_lengths,
                target_lengths,
                blank=self.config.pad_token_id,
                reduction=self.config.ctc_loss_reduction,
                zero_infinity=self.config.ctc_zero_infinity,
            )

        output = CausalLMOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )
        return output if return_dict else output.to_tuple()


__all__ = ["AuTTinyPreTrainedModel", "AuTTinyModel", "AuTTinyForCTC"]
