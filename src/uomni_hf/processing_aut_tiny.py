"""Processor for AuT-Tiny: the feature extractor and the CTC tokenizer behind one call."""

from transformers.feature_extraction_utils import BatchFeature
from transformers.processing_utils import ProcessorMixin

from .text_normalization import normalize_transcript


class AuTTinyProcessor(ProcessorMixin):
    r"""
    Wraps an [`AuTTinyFeatureExtractor`] and an [`AuTTinyTokenizer`].

    `processor(audio=..., sampling_rate=16000, text=...)` returns `input_features`, `attention_mask` and, with text,
    CTC `labels` padded with -100 (the value the CTC loss ignores). Text is normalized as in training first (numbers,
    dates and symbols spelled out: "3 cats" → "three cats"), since the CTC vocabulary has letters only.
    `decode`/`batch_decode` are the tokenizer's.
    """

    def __init__(self, feature_extractor, tokenizer):
        super().__init__(feature_extractor, tokenizer)

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

    @property
    def model_input_names(self) -> list[str]:
        return self.feature_extractor.model_input_names + ["labels"]


__all__ = ["AuTTinyProcessor"]
