"""Feature extractor for AuT-Tiny: 16 kHz mono audio → normalized 128-bin log-mel frames at 100 Hz."""

import math

import numpy as np
import torch
from transformers.audio_utils import mel_filter_bank
from transformers.feature_extraction_sequence_utils import SequenceFeatureExtractor
from transformers.feature_extraction_utils import BatchFeature
from transformers.utils import PaddingStrategy, TensorType, logging


logger = logging.get_logger(__name__)


class AuTTinyFeatureExtractor(SequenceFeatureExtractor):
    r"""
    Turns raw speech into the log-mel frames AuT-Tiny reads, batched in torch (optionally on a GPU).

    Each utterance gets a 25 ms Hann window every 10 ms (100 frames per second, `1 + samples // 160` frames, zero
    padding at the edges), a power spectrum, 128 Slaney mel filters from `transformers.audio_utils.mel_filter_bank`
    and a natural log. Every mel bin is then normalized to zero mean and unit variance over the utterance's own frames.
    That per-utterance normalization makes the features independent of recording gain, and, because padding is
    never part of the statistics, an utterance gives the same frames alone or padded inside a batch.

    Args:
        feature_size (`int`, *optional*, defaults to 128):
            Number of mel bins.
        sampling_rate (`int`, *optional*, defaults to 16000):
            The only sampling rate accepted; resample other audio first.
        hop_length (`int`, *optional*, defaults to 160):
            Samples between frames (10 ms).
        n_fft (`int`, *optional*, defaults to 400):
            Window and FFT size (25 ms).
        padding_value (`float`, *optional*, defaults to 0.0):
            Value of padded frames (the normalized mean).
        max_length (`int`, *optional*, defaults to 2048):
            Frames to pad or truncate to with `padding="max_length"` / `truncation=True`: the static shape that
            compiled and CUDA-graph training use (the model config's `max_mel_length`).
        mel_floor (`float`, *optional*, defaults to 1e-10):
            Floor of the mel power before the log, so silence gives finite features.
        return_attention_mask (`bool`, *optional*, defaults to `True`):
            Whether to return the frame-level mask.
    """

    model_input_names = ["input_features", "attention_mask"]

    def __init__(
        self,
        feature_size: int = 128,
        sampling_rate: int = 16000,
        hop_length: int = 160,
        n_fft: int = 400,
        padding_value: float = 0.0,
        max_length: int = 2048,
        mel_floor: float = 1e-10,
        return_attention_mask: bool = True,
        **kwargs,
    ):
        super().__init__(
            feature_size=feature_size,
            sampling_rate=sampling_rate,
            padding_value=padding_value,
            return_attention_mask=return_attention_mask,
            **kwargs,
        )
        self.hop_length = hop_length
        self.n_fft = n_fft
        self.max_length = max_length
        self.mel_floor = mel_floor
        self.mel_filters = mel_filter_bank(
            num_frequency_bins=n_fft // 2 + 1,
            num_mel_filters=feature_size,
            min_frequency=0.0,
            max_frequency=sampling_rate / 2,
            sampling_rate=sampling_rate,
            norm="slaney",
            mel_scale="slaney",
        ).astype(np.float32)

    def to_dict(self) -> dict:
        output = super().to_dict()
        output.pop("mel_filters", None)  # rebuilt from the other fields
        return output

    def num_frames(self, num_samples: int) -> int:
        """Mel frames for `num_samples` samples."""
        return 1 + num_samples // self.hop_length

    def _to_mono_float_list(self, raw_speech) -> list[torch.Tensor]:
        if isinstance(raw_speech, (np.ndarray, torch.Tensor)):
            if raw_speech.ndim > 2:
                raise ValueError(
                    f"Audio must be 1-D (one utterance) or 2-D (a batch), got shape {tuple(raw_speech.shape)}."
                )
            if raw_speech.ndim == 2 and raw_speech.shape[1] <= 2 < raw_speech.shape[0]:
                raise ValueError(
                    f"Got a 2-D array of shape {tuple(raw_speech.shape)}: that looks like multi-channel audio laid "
                    "out (samples, channels), not a batch. Only mono audio is supported: downmix it (e.g. "
                    "`audio.mean(axis=1)`) first."
                )
            items = list(raw_speech) if raw_speech.ndim == 2 else [raw_speech]
        elif isinstance(raw_speech, (list, tuple)) and len(raw_speech) > 0 and not np.isscalar(raw_speech[0]):
            items = list(raw_speech)
        elif isinstance(raw_speech, (list, tuple)) and len(raw_speech) > 0:
            items = [np.asarray(raw_speech)]
        elif isinstance(raw_speech, (list, tuple)):
            raise ValueError("Got an empty list of audio.")
        else:
            raise TypeError(
                f"Audio must be a numpy array, a torch tensor or a list of them, got {type(raw_speech).__name__}."
            )

        waveforms = []
        for index, item in enumerate(items):
            if isinstance(item, torch.Tensor):
                item = item.detach().cpu().numpy()
            item = np.asarray(item)
            if item.dtype == object or not (np.issubdtype(item.dtype, np.number) or item.dtype == bool):
                raise TypeError(f"Audio {index} must hold numbers, got dtype {item.dtype}.")
            if item.ndim == 2 and 1 in item.shape:
                item = item.reshape(-1)
            if item.ndim != 1:
                raise ValueError(
                    f"Audio {index} has shape {tuple(item.shape)}; only mono (1-D) audio is supported. Downmix "
                    "multi-channel audio to mono first."
                )
            if item.shape[0] == 0:
                raise ValueError(f"Audio {index} is empty (0 samples).")
            if np.issubdtype(item.dtype, np.unsignedinteger):
                # Unsigned PCM (8-bit WAV is uint8): silence is the middle of the range; centre, then scale to [-1, 1).
                middle = float(np.iinfo(item.dtype).max // 2 + 1)
                item = (item.astype(np.float64) - middle) / middle
            elif np.issubdtype(item.dtype, np.integer):
                # Signed integer PCM: scale to [-1, 1) like every audio loader does.
                item = item.astype(np.float32) / float(-np.iinfo(item.dtype).min)
            item = np.ascontiguousarray(item, dtype=np.float32)
            if not item.flags.writeable:  # e.g. a decoder's read-only buffer; torch wants memory it may write
                item = item.copy()
            waveforms.append(torch.from_numpy(item))
        return waveforms

    @staticmethod
    def _check_finite(batch: torch.Tensor, waveforms: list[torch.Tensor]) -> None:
        # One pass: a sum is finite when every sample is (or, rarely, overflows: then the exact check decides).
        if math.isfinite(float(batch.sum())):
            return
        for index, waveform in enumerate(waveforms):
            if not torch.isfinite(waveform).all():
                raise ValueError(f"Audio {index} contains NaN or infinite samples.")

    def _log_mel(self, waveforms: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(B, samples) zero-padded audio → (B, frames, bins) normalized log-mel, zeros past each length."""
        # The STFT of torch.stft(center=True, pad_mode="constant"), framed by hand: on CPU, torch.stft costs 6× its
        # own pad + window + rfft (benchmarks/bench_feature_extraction.py), and frames come out (B, frames, freq),
        # the layout the mel matmul wants.
        window = torch.hann_window(self.n_fft, periodic=True, device=waveforms.device)
        padded = torch.nn.functional.pad(waveforms, (self.n_fft // 2, self.n_fft // 2))
        spectrum = torch.fft.rfft(padded.unfold(-1, self.n_fft, self.hop_length) * window, dim=-1)
        power = spectrum.real.square().addcmul_(spectrum.imag, spectrum.imag)  # (B, frames, freq)
        filters = torch.from_numpy(self.mel_filters).to(waveforms.device)  # (freq, bins)
        num_frames = 1 + torch.div(lengths, self.hop_length, rounding_mode="floor")
        log_mel = torch.matmul(power, filters).clamp_(min=self.mel_floor).log_()

        # Statistics over each utterance's own frames: zero the padding, then sums are sums over real frames. All in
        # place, one pass each (this and the STFT are the extractor's whole cost).
        padding = torch.arange(log_mel.shape[1], device=waveforms.device)[None, :, None] >= num_frames[:, None, None]
        count = num_frames[:, None, None].to(log_mel.dtype)
        mean = log_mel.masked_fill_(padding, 0.0).sum(1, keepdim=True) / count
        centered = log_mel.sub_(mean).masked_fill_(padding, 0.0)
        std = torch.linalg.vector_norm(centered, dim=1, keepdim=True) / count.sqrt()
        normalized = centered.div_(std + 1e-5)
        return normalized.masked_fill_(padding, self.padding_value) if self.padding_value != 0.0 else normalized

    def __call__(
        self,
        raw_speech: np.ndarray | list | torch.Tensor,
        sampling_rate: int | None = None,
        padding: bool | str | PaddingStrategy = "longest",
        max_length: int | None = None,
        truncation: bool = False,
        pad_to_multiple_of: int | None = None,
        return_tensors: str | TensorType | None = None,
        return_attention_mask: bool | None = None,
        device: str | torch.device = "cpu",
        **kwargs,
    ) -> BatchFeature:
        """
        Featurize one utterance or a batch.

        Args:
            raw_speech: a 1-D array/tensor (one utterance), a 2-D one (a batch of equal lengths) or a list of 1-D
                arrays/tensors, mono, at `sampling_rate`. Integer PCM is scaled to [-1, 1).
            sampling_rate: the audio's rate; anything but the extractor's own is an error.
            padding: `"longest"`/`True` (pad to the longest in the batch), `"max_length"` (pad to `max_length`
                frames) or `False`/`"do_not_pad"` (a list of unpadded arrays; needs `return_tensors=None`).
            max_length: frames for `padding="max_length"` and `truncation`; defaults to `self.max_length`.
            truncation: cut utterances longer than `max_length` frames.
            pad_to_multiple_of: round the padded length up to a multiple of this.
            return_tensors: `"pt"`, `"np"` or `None` (lists of numpy arrays).
            device: where to compute (e.g. `"cuda"`); `"pt"` tensors stay there.
        """
        if sampling_rate is not None and sampling_rate != self.sampling_rate:
            raise ValueError(
                f"The audio's sampling rate is {sampling_rate} Hz but {self.__class__.__name__} expects "
                f"{self.sampling_rate} Hz. Resample the audio to {self.sampling_rate} Hz first."
            )
        if sampling_rate is None:
            logger.warning_once(
                f"No `sampling_rate` was passed to {self.__class__.__name__}; assuming {self.sampling_rate} Hz. "
                "Pass it to catch silently wrong features."
            )
        padding_strategy = PaddingStrategy(padding if isinstance(padding, str) else
                                           ("longest" if padding else "do_not_pad"))
        max_length = max_length if max_length is not None else self.max_length
        return_attention_mask = (
            return_attention_mask if return_attention_mask is not None else self.return_attention_mask
        )

        waveforms = self._to_mono_float_list(raw_speech)
        if truncation:
            # The longest audio whose frame count is `max_length`: features of the cut audio, exactly.
            waveforms = [w[: max_length * self.hop_length - 1] for w in waveforms]
        lengths = torch.tensor([w.shape[0] for w in waveforms])
        frames = [self.num_frames(int(n)) for n in lengths]

        if padding_strategy == PaddingStrategy.MAX_LENGTH:
            too_long = [i for i, n in enumerate(frames) if n > max_length]
            if too_long:
                raise ValueError(
                    f"Audio {too_long[0]} has {frames[too_long[0]]} frames, more than max_length={max_length}; "
                    "pass truncation=True or a larger max_length."
                )
            target = max_length
        else:
            target = max(frames)
        if pad_to_multiple_of is not None and padding_strategy != PaddingStrategy.DO_NOT_PAD:
            target = int(math.ceil(target / pad_to_multiple_of) * pad_to_multiple_of)

        batch = torch.nn.utils.rnn.pad_sequence(waveforms, batch_first=True)
        self._check_finite(batch, waveforms)
        batch = batch.to(device)
        features = self._log_mel(batch, lengths.to(device))
        if features.shape[1] < target:
            features = torch.nn.functional.pad(features, (0, 0, 0, target - features.shape[1]), value=self.padding_value)
        attention_mask = (torch.arange(features.shape[1], device=device)[None, :] < torch.tensor(frames, device=device)[:, None]).to(torch.int32)

        if padding_strategy == PaddingStrategy.DO_NOT_PAD:
            if return_tensors is not None and len(set(frames)) > 1:
                raise ValueError(
                    "padding=False gives utterances of different lengths, which cannot be stacked into tensors; "
                    "use padding='longest' or return_tensors=None."
                )
            data = {"input_features": [f[:n].cpu().numpy() for f, n in zip(features, frames)]}
            if return_attention_mask:
                data["attention_mask"] = [m[:n].cpu().numpy() for m, n in zip(attention_mask, frames)]
        elif return_tensors in ("pt", TensorType.PYTORCH):
            data = {"input_features": features}
            if return_attention_mask:
                data["attention_mask"] = attention_mask
            return BatchFeature(data)
        else:
            data = {"input_features": list(features.cpu().numpy())}
            if return_attention_mask:
                data["attention_mask"] = list(attention_mask.cpu().numpy())
        return BatchFeature(data, tensor_type=return_tensors)


__all__ = ["AuTTinyFeatureExtractor"]
