"""AuT-Tiny model configuration."""

from huggingface_hub.dataclasses import strict
from transformers.configuration_utils import PreTrainedConfig


@strict
class AuTTinyConfig(PreTrainedConfig):
    r"""
    Configuration of AuT-Tiny, the 2 M-parameter audio encoder of μOmni, and of its CTC head.

    The defaults are the released architecture: 128-bin log-mel frames at 100 Hz go through three stride-2 Conv1d
    layers (8× fewer frames: 12.5 Hz), four pre-norm Transformer blocks of width 192, a final RMSNorm (the states the
    CTC head reads) and a bias-free projector to the Thinker's width of 256.

    Args:
        vocab_size (`int`, *optional*, defaults to 256):
            Size of the CTC vocabulary, blank included.
        pad_token_id (`int`, *optional*, defaults to 0):
            Id of the padding token, which is also the CTC blank.
        num_mel_bins (`int`, *optional*, defaults to 128):
            Number of mel bins per input frame.
        hop_length (`int`, *optional*, defaults to 160):
            Audio samples per mel frame (10 ms at 16 kHz); used for `inputs_to_logits_ratio`.
        conv_channels (`tuple[int]`, *optional*, defaults to `(64, 128, 192)`):
            Output channels of the subsampling convolutions; the last one must equal `hidden_size`.
        conv_kernel_size (`int`, *optional*, defaults to 5):
            Kernel size of every subsampling convolution.
        conv_stride (`int`, *optional*, defaults to 2):
            Stride of every subsampling convolution.
        hidden_size (`int`, *optional*, defaults to 192):
            Width of the Transformer blocks.
        num_hidden_layers (`int`, *optional*, defaults to 4):
            Number of Transformer blocks.
        num_attention_heads (`int`, *optional*, defaults to 3):
            Attention heads per block; must divide `hidden_size`.
        intermediate_size (`int`, *optional*, defaults to 768):
            Width of the feed-forward layers.
        hidden_act (`str`, *optional*, defaults to `"gelu"`):
            Activation of the convolutions and feed-forward layers.
        hidden_dropout (`float`, *optional*, defaults to 0.1):
            Dropout on the residual branches.
        attention_dropout (`float`, *optional*, defaults to 0.1):
            Dropout on the attention probabilities.
        activation_dropout (`float`, *optional*, defaults to 0.1):
            Dropout after the feed-forward activation.
        final_dropout (`float`, *optional*, defaults to 0.1):
            Dropout before the CTC head.
        rms_norm_eps (`float`, *optional*, defaults to 1e-6):
            Epsilon of the RMSNorm layers.
        rope_parameters (`dict`, *optional*):
            Rotary position embedding parameters in Transformers' format; defaults to
            `{"rope_type": "default", "rope_theta": 10000.0}` (only the default type is supported). Rotary embeddings
            encode relative offsets only, so the model runs on inputs longer than any it was trained on (nothing is
            sized by a maximum position). A legacy `rope_theta` key is read into it.
        sliding_window (`int`, *optional*):
            If set, each output frame attends only to frames at most this many output frames (80 ms each) away.
            `None` (the default) attends over the whole input. A model trained on short utterances degrades on inputs
            far longer than any it saw, even with rotary positions (attention spreads over more keys than in
            training); a window about the length of the training utterances keeps long inputs in distribution
            without chunking. (Configs saved before this name call it `attention_window`; it is read as this.)
        projector_dim (`int`, *optional*, defaults to 256):
            Width of the projected embeddings the Thinker reads.
        initializer_range (`float`, *optional*, defaults to 0.02):
            Standard deviation of the normal initializer of linear layers.
        max_mel_length (`int`, *optional*, defaults to 2048):
            Static number of mel frames (2048 ≈ 20 s) that batches are padded to for compiled and CUDA-graph training.
        ctc_loss_reduction (`str`, *optional*, defaults to `"mean"`):
            Reduction of the CTC loss: `"mean"` (per target length, then batch mean), `"sum"` or `"none"`.
        ctc_zero_infinity (`bool`, *optional*, defaults to `True`):
            Zero infinite CTC losses, which occur when a transcript has more labels than the audio has output frames.
        intermediate_ctc_layer (`int`, *optional*):
            Also train CTC on the output of this block (1-based, before the last), through the final RMSNorm and the
            same head: intermediate CTC (Lee & Watanabe, 2021) regularizes the lower blocks. Training only.
        intermediate_ctc_weight (`float`, *optional*, defaults to 0.3):
            Weight of the intermediate CTC loss; the final one gets `1 - intermediate_ctc_weight`.
        consistency_ctc_weight (`float`, *optional*, defaults to 0.0):
            Consistency-regularized CTC (Yao et al., 2025): with a weight above 0, each training batch runs twice with
            different SpecAugment masks and dropout, and the loss adds this weight times the symmetric KL divergence
            between the two views' frame posteriors (each view's target detached), per label as the CTC loss is.
        distillation_dim (`int`, *optional*, defaults to 0):
            Width of a teacher's frame states to distill (384 for Whisper tiny.en's encoder pooled to 12.5 Hz): a
            training-only `distillation_head` (Linear `hidden_size` → this) learns to predict them from every output
            frame, a dense target beside CTC's few labels (DistilHuBERT, Chang et al., 2022). 0 (the default): no head.
            Shipped folders have 0 (`AuTTinyForCTC.without_distillation_head`).
        distillation_weight (`float`, *optional*, defaults to 1.0):
            Weight of the distillation loss (L1 plus negative log-sigmoid cosine) added to the CTC loss.
        distillation_layer (`int`, *optional*):
            The block (1-based) whose output the head reads; `None` (the default) reads `last_hidden_state`, as does
            `num_hidden_layers` (the last block's output after the final RMSNorm).
        apply_spec_augment (`bool`, *optional*, defaults to `True`):
            Apply SpecAugment masking to the mel input in training mode (never at eval).
        mask_time_prob (`float`, *optional*, defaults to 0.05):
            Approximate fraction of valid frames masked in time.
        mask_time_length (`int`, *optional*, defaults to 10):
            Length in mel frames of each time mask.
        mask_time_min_masks (`int`, *optional*, defaults to 2):
            Minimum number of time masks per utterance.
        mask_feature_prob (`float`, *optional*, defaults to 0.05):
            Approximate fraction of mel bins masked.
        mask_feature_length (`int`, *optional*, defaults to 10):
            Width in mel bins of each frequency mask.
        mask_feature_min_masks (`int`, *optional*, defaults to 0):
            Minimum number of frequency masks per utterance.

    Example:

    ```python
    >>> from uomni_hf import AuTTinyConfig, AuTTinyModel
    >>> model = AuTTinyModel(AuTTinyConfig())
    ```
    """

    model_type = "aut_tiny"

    vocab_size: int = 256
    pad_token_id: int = 0
    num_mel_bins: int = 128
    hop_length: int = 160
    conv_channels: list[int] | tuple[int, ...] = (64, 128, 192)
    conv_kernel_size: int = 5
    conv_stride: int = 2
    hidden_size: int = 192
    num_hidden_layers: int = 4
    num_attention_heads: int = 3
    intermediate_size: int = 768
    hidden_act: str = "gelu"
    hidden_dropout: float | int = 0.1
    attention_dropout: float | int = 0.1
    activation_dropout: float | int = 0.1
    final_dropout: float | int = 0.1
    rms_norm_eps: float = 1e-6
    rope_parameters: dict | None = None
    sliding_window: int | None = None
    projector_dim: int = 256
    initializer_range: float = 0.02
    max_mel_length: int = 2048
    ctc_loss_reduction: str = "mean"
    ctc_zero_infinity: bool = True
    intermediate_ctc_layer: int | None = None
    intermediate_ctc_weight: float | int = 0.3
    consistency_ctc_weight: float | int = 0.0
    distillation_dim: int = 0
    distillation_weight: float | int = 1.0
    distillation_layer: int | None = None
    apply_spec_augment: bool = True
    mask_time_prob: float | int = 0.05
    mask_time_length: int = 10
    mask_time_min_masks: int = 2
    mask_feature_prob: float | int = 0.05
    mask_feature_length: int = 10
    mask_feature_min_masks: int = 0

    def __post_init__(self, **kwargs):
        self.conv_channels = tuple(self.conv_channels)
        if "attention_window" in kwargs:  # the name before `sliding_window` (checkpoints saved until 2026-11)
            legacy = kwargs.pop("attention_window")
            self.sliding_window = self.sliding_window if self.sliding_window is not None else legacy
        super().__post_init__(**kwargs)  # also moves a legacy `rope_theta` into `rope_parameters`
        self.rope_parameters = {"rope_type": "default", "rope_theta": 10000.0, **(self.rope_parameters or {})}
        self._check_values()

    @property
    def subsampling_factor(self) -> int:
        """Mel frames per output frame (8 by default: 100 Hz in, 12.5 Hz out)."""
        return self.conv_stride ** len(self.conv_channels)

    @property
    def inputs_to_logits_ratio(self) -> int:
        """Audio samples per output frame (160 × 8 = 1280); the ASR pipeline uses it for chunking and timestamps."""
        return self.hop_length * self.subsampling_factor

    def num_output_frames(self, num_mel_frames, num_convs: int | None = None):
        """Output frames for `num_mel_frames` mel frames (an int or a tensor) after the first `num_convs` convolutions
        (default: all): each stride-s convolution with a centred odd kernel turns T frames into ceil(T / s). The one
        place this arithmetic lives."""
        for _ in range(len(self.conv_channels) if num_convs is None else num_convs):
            num_mel_frames = (num_mel_frames + self.conv_stride - 1) // self.conv_stride
        return num_mel_frames

    def _check_values(self):
        """Raise a `ValueError` naming the field for any value the model cannot be built with."""
        positive = (
            "vocab_size",
            "num_mel_bins",
            "hop_length",
            "conv_kernel_size",
            "conv_stride",
            "hidden_size",
            "num_hidden_layers",
            "num_attention_heads",
            "intermediate_size",
            "projector_dim",
            "max_mel_length",
            "mask_time_length",
            "mask_feature_length",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"`{name}` must be a positive integer, got {getattr(self, name)}.")
        if len(self.conv_channels) == 0 or any(c <= 0 for c in self.conv_channels):
            raise ValueError(f"`conv_channels` must be a non-empty list of positive sizes, got {self.conv_channels}.")
        if self.conv_channels[-1] != self.hidden_size:
            raise ValueError(
                f"`conv_channels` must end with `hidden_size` ({self.hidden_size}), got {self.conv_channels}."
            )
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"`hidden_size` ({self.hidden_size}) must be divisible by `num_attention_heads` "
                f"({self.num_attention_heads})."
            )
        if (self.hidden_size // self.num_attention_heads) % 2 != 0:
            raise ValueError(
                f"`hidden_size / num_attention_heads` must be even for rotary embeddings, got "
                f"{self.hidden_size // self.num_attention_heads}."
            )
        for name in ("hidden_dropout", "attention_dropout", "activation_dropout", "final_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"`{name}` must be in [0, 1), got {getattr(self, name)}.")
        for name in ("mask_time_prob", "mask_feature_prob"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"`{name}` must be in [0, 1], got {getattr(self, name)}.")
        for name in ("mask_time_min_masks", "mask_feature_min_masks"):
            if getattr(self, name) < 0:
                raise ValueError(f"`{name}` must be >= 0, got {getattr(self, name)}.")
        if self.conv_kernel_size % 2 == 0:
            raise ValueError(
                f"`conv_kernel_size` must be odd (a centred kernel, so T frames give ceil(T / stride)), got "
                f"{self.conv_kernel_size}."
            )
        if self.sliding_window is not None and self.sliding_window <= 0:
            raise ValueError(
                f"`sliding_window` must be a positive number of frames or None, got {self.sliding_window!r}."
            )
        if self.rms_norm_eps <= 0:
            raise ValueError(f"`rms_norm_eps` must be positive, got {self.rms_norm_eps}.")
        if self.rope_parameters["rope_type"] != "default":
            raise ValueError(
                f"Only the default rotary embedding is supported, got rope_type={self.rope_parameters['rope_type']!r}."
            )
        if self.rope_parameters["rope_theta"] <= 0:
            raise ValueError(f"`rope_parameters['rope_theta']` must be positive, got {self.rope_parameters['rope_theta']}.")
        if self.ctc_loss_reduction not in ("mean", "sum", "none"):
            raise ValueError(
                f"`ctc_loss_reduction` must be 'mean', 'sum' or 'none', got {self.ctc_loss_reduction!r}."
            )
        if self.intermediate_ctc_layer is not None and not 1 <= self.intermediate_ctc_layer < self.num_hidden_layers:
            raise ValueError(
                f"`intermediate_ctc_layer` must be a block before the last, in [1, {self.num_hidden_layers - 1}], or "
                f"None, got {self.intermediate_ctc_layer!r}."
            )
        if not 0.0 <= self.intermediate_ctc_weight < 1.0:
            raise ValueError(f"`intermediate_ctc_weight` must be in [0, 1), got {self.intermediate_ctc_weight}.")
        if self.consistency_ctc_weight < 0:
            raise ValueError(f"`consistency_ctc_weight` must be >= 0, got {self.consistency_ctc_weight}.")
        if self.distillation_dim < 0:
            raise ValueError(f"`distillation_dim` must be >= 0 (0: no distillation head), got {self.distillation_dim}.")
        if self.distillation_weight < 0:
            raise ValueError(f"`distillation_weight` must be >= 0, got {self.distillation_weight}.")
        if self.distillation_layer is not None and not 1 <= self.distillation_layer <= self.num_hidden_layers:
            raise ValueError(
                f"`distillation_layer` must be a block in [1, {self.num_hidden_layers}] or None (the final states), "
                f"got {self.distillation_layer!r}."
            )
        if not 0 <= self.pad_token_id < self.vocab_size:
            raise ValueError(
                f"`pad_token_id` ({self.pad_token_id}) must be a token id below `vocab_size` ({self.vocab_size})."
            )


__all__ = ["AuTTinyConfig"]
