"""Speech recognition with an exported AuT-Tiny ONNX folder: features → onnxruntime → greedy CTC decoding.

    from uomni_hf.export import OnnxCTCRecognizer
    asr = OnnxCTCRecognizer("aut-tiny-onnx", int8=True)
    asr([waveform_16k, another_waveform_16k])  # -> ["the transcript", "another one"]

The folder is what `uomni-export-onnx MODEL_DIR FOLDER [--int8]` writes: `model.onnx` / `model_int8.onnx`, the
feature extractor config and the tokenizer. PyTorch is needed only by the feature extractor.
"""

import os
from pathlib import Path

import numpy as np
import onnxruntime as ort

from ..feature_extraction_aut_tiny import AuTTinyFeatureExtractor
from .onnx_export import ONNX_FILE, ONNX_INT8_FILE
from ..tokenization_aut_tiny import AuTTinyTokenizer


class OnnxCTCRecognizer:
    """
    Greedy CTC transcription with onnxruntime.

    Args:
        folder: an `uomni-export-onnx` output folder.
        provider: the onnxruntime execution provider, e.g. `"CPUExecutionProvider"` or `"CUDAExecutionProvider"`.
        int8: run `model_int8.onnx` (from `--int8`) instead of `model.onnx`.
        num_threads: onnxruntime's intra-op threads; `None` lets it use every core.
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        provider: str = "CPUExecutionProvider",
        int8: bool = False,
        num_threads: int | None = None,
    ):
        folder = Path(folder)
        model_file = folder / (ONNX_INT8_FILE if int8 else ONNX_FILE)
        if not model_file.is_file():
            raise ValueError(
                f"No {model_file.name} in {folder}; write one with "
                f"`uomni-export-onnx MODEL_DIR {folder}{' --int8' if int8 else ''}`."
            )
        if provider not in ort.get_available_providers():
            raise ValueError(
                f"onnxruntime provider {provider!r} is not available here; available: {ort.get_available_providers()}."
            )
        options = ort.SessionOptions()
        if num_threads is not None:
            options.intra_op_num_threads = num_threads
        self.session = ort.InferenceSession(str(model_file), options, providers=[provider])
        output_names = [output.name for output in self.session.get_outputs()]
        if "logits" not in output_names:
            raise ValueError(
                f"{model_file} has outputs {output_names}, no `logits`: it is an encoder-only export. Export the CTC "
                "model (without --encoder-only) to transcribe."
            )
        self.feature_extractor = AuTTinyFeatureExtractor.from_pretrained(folder)
        self.tokenizer = AuTTinyTokenizer.from_pretrained(folder)

    def logits(self, input_features: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """(batch, frames, mel bins) features and their (batch, frames) mask → (batch, out_frames, vocab) logits."""
        feeds = {
            "input_features": np.ascontiguousarray(input_features, dtype=np.float32),
            "attention_mask": np.ascontiguousarray(attention_mask, dtype=np.int64),  # the extractor gives int32
        }
        return self.session.run(["logits"], feeds)[0]

    def __call__(self, audio: np.ndarray | list, sampling_rate: int = 16000) -> list[str]:
        """Transcribe one waveform or a batch (a list of 1-D arrays, padded together): one string each."""
        inputs = self.feature_extractor(audio, sampling_rate=sampling_rate, return_tensors="np")
        logits = self.logits(inputs["input_features"], inputs["attention_mask"])
        # Padded frames predict blank (see AuTTinyForCTC), so argmax over the padded batch decodes each utterance.
        return self.tokenizer.batch_decode(logits.argmax(-1))


__all__ = ["OnnxCTCRecognizer"]
