"""Processor for AuT-Tiny: the feature extractor and the CTC tokenizer behind one call, and an optional word n-gram
language model for beam-search decoding of the logits (the role of Transformers' `Wav2Vec2ProcessorWithLM`)."""

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from transformers.feature_extraction_utils import BatchFeature
from transformers.processing_utils import ProcessorMixin
from transformers.utils import ModelOutput

from .decoding_aut_tiny import LANGUAGE_MODEL_DIR, AuTTinyLMDecoder
from .text_normalization import normalize_transcript


@dataclass
class AuTTinyDecoderOutput(ModelOutput):
    """What `AuTTinyProcessor.batch_decode(logits)` returns, shaped like Transformers' `Wav2Vec2DecoderWithLMOutput`:
    per utterance the text, the acoustic and language-model scores of the best beam (natural log; both None for
    greedy decoding) and, with `output_word_offsets=True`, the words with their start/end frames."""

    text: list[str] | str
    logit_score: list[float | None] | float | None = None
    lm_score: list[float | None] | float | None = None
    word_offsets: list[list[dict]] | list[dict] | None = None

    def __post_init__(self):
        # ModelOutput reads a lone first field that is iterable as (key, value) pairs: an empty text with no scores
        # (greedy decoding of silence, or an empty batch) would vanish, leaving `text` None.
        text = self.text
        super().__post_init__()
        if text is not None:
            self["text"] = text


def _is_logits(value) -> bool:
    """Float arrays or tensors are logits; ids (ints, lists of ints) are the tokenizer's."""
    if hasattr(value, "is_floating_point"):  # a torch tensor
        return value.is_floating_point()
    return isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating)


class AuTTinyProcessor(ProcessorMixin):
    r"""
    Wraps an [`AuTTinyFeatureExtractor`] and an [`AuTTinyTokenizer`].

    `processor(audio=..., sampling_rate=16000, text=...)` returns `input_features`, `attention_mask` and, with text,
    CTC `labels` padded with -100 (the value the CTC loss ignores). Text is normalized as in training first (numbers,
    dates and symbols spelled out: "3 cats" → "three cats"), since the CTC vocabulary has letters only.
    `decode`/`batch_decode` of token ids are the tokenizer's. Given the model's float logits, `batch_decode(logits)`
    runs beam search with the folder's language model when it has one (`language_model/`, see
    `uomni_hf.decoding_aut_tiny`; loaded into `processor.decoder`) and greedy CTC otherwise.
    """

    def __init__(self, feature_extractor, tokenizer, decoder: AuTTinyLMDecoder | None = None):
        super().__init__(feature_extractor, tokenizer)
        self.decoder = decoder

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        """As `ProcessorMixin.from_pretrained`, and also loads `language_model/` when the folder (or repo) has one.
        Without flashlight-text installed that is a warning and greedy decoding; a broken language model folder is
        a `ValueError` naming the problem. `load_language_model=False` skips it."""
        load_language_model = kwargs.pop("load_language_model", True)
        processor = super().from_pretrained(pretrained_model_name_or_path, **kwargs)
        if load_language_model:
            directory = _language_model_dir(pretrained_model_name_or_path, kwargs)
            if directory is not None:
                try:
                    processor.decoder = AuTTinyLMDecoder.from_dir(directory, processor.tokenizer)
                except ImportError as error:
                    warnings.warn(f"{pretrained_model_name_or_path} has a language model, but {error} Decoding is greedy.")
        return processor

    def save_pretrained(self, save_directory, push_to_hub: bool = False, **kwargs):
        if self.decoder is not None:
            self.decoder.save(Path(save_directory) / LANGUAGE_MODEL_DIR)
        return super().save_pretrained(save_directory, push_to_hub=push_to_hub, **kwargs)

    def to_dict(self) -> dict:
        output = super().to_dict()
        output.pop("decoder", None)  # saved as files in language_model/, not in processor_config.json
        return output

    def __call__(self, audio=None, text=None, sampling_rate: int | None = None, return_tensors=None, **kwargs):
        """
        Args:
            audio: what [`AuTTinyFeatureExtractor.__call__`] accepts.
            text: a transcript or a list of them, one per utterance.
            sampling_rate: the audio's sampling rate (must be the feature extractor's).
            return_tensors: `"pt"`, `"np"` or `None`.
            kwargs: passed to the feature extractor (`padding`, `max_length`, `truncation`, `device`, ...).
        """
        if audio is None and text is None:
            raise ValueError("Pass `audio`, `text` or both.")
        inputs = BatchFeature()
        if audio is not None:
            inputs = self.feature_extractor(audio, sampling_rate=sampling_rate, return_tensors=return_tensors, **kwargs)
        if text is not None:
            texts = [text] if isinstance(text, str) else list(text)
            if audio is not None and len(texts) != len(inputs["input_features"]):
                raise ValueError(
                    f"Got {len(inputs['input_features'])} audio inputs but {len(texts)} transcripts; pass one each."
                )
            rows = self.tokenizer([normalize_transcript(t) for t in texts])["input_ids"]
            width = max(len(row) for row in rows)
            labels = BatchFeature({"labels": [row + [-100] * (width - len(row)) for row in rows]}, return_tensors)
            inputs["labels"] = labels["labels"]
        return inputs

    def batch_decode(self, *args, **kwargs):
        """Token ids: the tokenizer's `batch_decode`. Float logits `(batch, frames, vocab)`: see `decode_logits`."""
        if args and _is_logits(args[0]):
            return self.decode_logits(*args, **kwargs)
        return super().batch_decode(*args, **kwargs)

    def decode(self, *args, **kwargs):
        """Token ids: the tokenizer's `decode`. Float logits `(frames, vocab)` of one utterance: see
        `decode_logits`, with one result instead of lists."""
        if args and _is_logits(args[0]):
            logits, *rest = args
            batch = self.decode_logits(np.asarray(logits)[None], *rest, **kwargs)
            return AuTTinyDecoderOutput(**{key: value[0] for key, value in batch.items()})
        return super().decode(*args, **kwargs)

    def decode_logits(
        self,
        logits,
        lengths: list[int] | None = None,
        output_word_offsets: bool = False,
        use_language_model: bool = True,
        **decoder_kwargs,
    ) -> AuTTinyDecoderOutput:
        """
        Args:
            logits: `(batch, frames, vocab)` floats, the model's `logits` (a tensor or an array).
            lengths: valid frames per utterance of a padded batch (the model's `output_lengths`); default all.
            output_word_offsets: also return `word_offsets` (start/end in frames of 80 ms).
            use_language_model: `False` decodes greedily even when a language model is loaded.
            decoder_kwargs: per-call overrides of the language model's options: `alpha`, `beta`,
                `unk_score_offset`, `beam_width`, `token_beam_width`, `beam_threshold`, `hotwords`, `hotword_weight`.
        """
        if hasattr(logits, "detach"):
            logits = logits.detach().float().cpu().numpy()
        logits = np.asarray(logits)
        if logits.ndim != 3:
            raise ValueError(f"Expected logits of shape (batch, frames, vocab), got {logits.shape}.")
        lengths = [logits.shape[1]] * len(logits) if lengths is None else [int(n) for n in lengths]
        if len(lengths) != len(logits) or any(n < 0 or n > logits.shape[1] for n in lengths):
            raise ValueError(f"`lengths` must give 0..{logits.shape[1]} frames for each of the {len(logits)} utterances.")
        use_decoder = use_language_model and self.decoder is not None
        if decoder_kwargs and not use_decoder:
            raise ValueError(f"{sorted(decoder_kwargs)} apply to language-model decoding, but no language model is used.")
        output = {"text": [], "logit_score": [], "lm_score": [], "word_offsets": []}
        for row, length in zip(logits, lengths):
            if use_decoder:
                beam = self.decoder.decode(row[:length], **decoder_kwargs)
                path, logit_score, lm_score = beam.path, beam.logit_score, beam.lm_score
            else:
                path, logit_score, lm_score = row[:length].argmax(-1).tolist(), None, None
            if output_word_offsets:
                decoded = self.tokenizer.decode(path, output_word_offsets=True)
                output["text"].append(decoded.text)
                output["word_offsets"].append(decoded.word_offsets)
            else:
                output["text"].append(self.tokenizer.decode(path))
            output["logit_score"].append(logit_score)
            output["lm_score"].append(lm_score)
        if not output_word_offsets:
            output["word_offsets"] = None
        return AuTTinyDecoderOutput(**output)

    @property
    def model_input_names(self) -> list[str]:
        return self.feature_extractor.model_input_names + ["labels"]


def _language_model_dir(name_or_path, hub_kwargs: dict) -> Path | None:
    """The `language_model/` folder of a local folder or of a Hub repo (downloaded, or found in the cache)."""
    if os.path.isdir(name_or_path):
        directory = Path(name_or_path) / LANGUAGE_MODEL_DIR
        return directory if directory.is_dir() else None
    from huggingface_hub import snapshot_download

    options = {key: hub_kwargs[key] for key in ("cache_dir", "revision", "token", "local_files_only") if key in hub_kwargs}
    try:
        snapshot = Path(snapshot_download(str(name_or_path), allow_patterns=[f"{LANGUAGE_MODEL_DIR}/*"], **options))
    except Exception as error:  # offline without the files cached, or no such repo: the processor itself loaded
        warnings.warn(f"Could not fetch {LANGUAGE_MODEL_DIR}/ of {name_or_path} ({error}); decoding is greedy.")
        return None
    directory = snapshot / LANGUAGE_MODEL_DIR
    return directory if directory.is_dir() else None


__all__ = ["AuTTinyDecoderOutput", "AuTTinyProcessor"]
