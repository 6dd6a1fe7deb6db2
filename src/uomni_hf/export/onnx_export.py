"""Export AuT-Tiny to ONNX (CTC model or encoder alone) with dynamic batch and time axes, and quantize it to int8.

    uomni-export-onnx MODEL_DIR OUTPUT_DIR [--encoder-only] [--int8] [--opset 20]
    python -m uomni_hf.export.onnx_export MODEL_DIR OUTPUT_DIR ...

OUTPUT_DIR gets `model.onnx` (and `model_int8.onnx` with `--int8`), the model's `config.json` and the processor
(feature extractor and tokenizer), so the folder is all [`OnnxCTCRecognizer`] needs: audio → features → ONNX →
text.

The graph comes from the dynamo exporter (`torch.onnx.export(..., dynamo=True)`), which records the model through
`torch.export` with symbolic `batch` and `frames` sizes: the subsampled length `(frames - 1) // 8 + 1`, the
key-padding mask and the rotary tables computed in `forward` all stay symbolic (the output's time axis is named
`((frames - 1)//8) + 1`), so one file serves every batch size and duration. It exports the model unchanged. The
TorchScript exporter (`dynamo=False`) would too, but it is deprecated since torch 2.9 and traces the input checks as
constants, so there is no fallback to it.
"""

import argparse
import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import PreTrainedModel

from ..feature_extraction_aut_tiny import AuTTinyFeatureExtractor
from ..modeling_aut_tiny import AuTTinyForCTC, AuTTinyModel
from ..processing_aut_tiny import AuTTinyProcessor


logger = logging.getLogger(__name__)

ONNX_FILE = "model.onnx"
ONNX_INT8_FILE = "model_int8.onnx"
# Opset 20 has `Gelu` as one op (older opsets spell it out with `Erf`); onnxruntime >= 1.17 runs it.
DEFAULT_OPSET = 20
INPUT_NAMES = ("input_features", "attention_mask")
CTC_OUTPUTS = ("logits",)
# ONNX names every value once, so the output mask cannot share the input's name `attention_mask`.
ENCODER_OUTPUTS = ("last_hidden_state", "projected_embeddings", "output_attention_mask")
# Export-time check: the exported graph must reproduce PyTorch on a padded batch of a shape it was not traced with.
CHECK_TOLERANCE = 1e-4


class _CTCGraph(nn.Module):
    """Tensors in, `logits` out: the fixed signature the ONNX graph gets."""

    def __init__(self, model: AuTTinyForCTC):
        super().__init__()
        self.model = model

    def forward(self, input_features: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_features, attention_mask=attention_mask, return_dict=True).logits


class _EncoderGraph(nn.Module):
    """Tensors in, the three encoder outputs the Thinker and the CTC head read out."""

    def __init__(self, model: AuTTinyModel):
        super().__init__()
        self.model = model

    def forward(
        self, input_features: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        outputs = self.model(input_features, attention_mask=attention_mask, return_dict=True)
        return outputs.last_hidden_state, outputs.projected_embeddings, outputs.attention_mask


def _example_inputs(
    num_mel_bins: int, lengths: Sequence[int], device: torch.device, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random features and the mask of a batch padded to the longest of `lengths`."""
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(len(lengths), max(lengths), num_mel_bins, generator=generator)
    mask = (torch.arange(max(lengths))[None, :] < torch.tensor(lengths)[:, None]).long()
    return features.to(device), mask.to(device)


def _load_model(model_or_path: PreTrainedModel | str | os.PathLike, encoder_only: bool) -> PreTrainedModel:
    if isinstance(model_or_path, (str, os.PathLike)):
        model_class = AuTTinyModel if encoder_only else AuTTinyForCTC
        return model_class.from_pretrained(model_or_path)
    if isinstance(model_or_path, AuTTinyForCTC):
        return model_or_path.model if encoder_only else model_or_path
    if isinstance(model_or_path, AuTTinyModel):
        if not encoder_only:
            raise ValueError(
                "Got an AuTTinyModel (the encoder, no CTC head): pass `encoder_only=True`, or an AuTTinyForCTC."
            )
        return model_or_path
    raise ValueError(
        f"`model_or_path` must be an AuTTinyForCTC, an AuTTinyModel or a model folder, got "
        f"{type(model_or_path).__name__}."
    )


def _load_processor(path: str | os.PathLike) -> AuTTinyProcessor | AuTTinyFeatureExtractor | None:
    """The folder's processor, else its feature extractor alone (enough for the encoder), else None."""
    for loader in (AuTTinyProcessor, AuTTinyFeatureExtractor):
        try:
            return loader.from_pretrained(path)
        except (OSError, ValueError, TypeError, KeyError) as error:
            logger.info("No %s in %s: %s", loader.__name__, path, error)
    return None


def max_abs_difference(
    model: PreTrainedModel, onnx_path: str | os.PathLike, lengths: Sequence[int] = (171, 96, 8)
) -> float:
    """Largest |onnxruntime - PyTorch| over every output of `onnx_path` on a random batch padded from `lengths`."""
    import onnxruntime as ort

    features, mask = _example_inputs(model.config.num_mel_bins, lengths, model.device, seed=1)
    graph = _EncoderGraph(model) if isinstance(model, AuTTinyModel) else _CTCGraph(model)
    with torch.inference_mode():
        expected = graph(features, mask)
    expected = expected if isinstance(expected, tuple) else (expected,)
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    actual = session.run(None, {"input_features": features.cpu().numpy(), "attention_mask": mask.cpu().numpy()})
    return max(
        float(np.abs(a.astype(np.float64) - e.cpu().numpy().astype(np.float64)).max())
        for a, e in zip(actual, expected)
    )


def export_onnx(
    model_or_path: PreTrainedModel | str | os.PathLike,
    output_path: str | os.PathLike,
    encoder_only: bool = False,
    opset: int = DEFAULT_OPSET,
    processor: AuTTinyProcessor | AuTTinyFeatureExtractor | None = None,
    check: bool = True,
) -> Path:
    """
    Export `AuTTinyForCTC` (or with `encoder_only`, `AuTTinyModel`) to one ONNX file with dynamic `batch` and `frames`.

    Inputs are `input_features` (batch, frames, num_mel_bins) float32 and `attention_mask` (batch, frames) int64.
    The CTC graph outputs `logits` (batch, out_frames, vocab_size); the encoder graph outputs `last_hidden_state`,
    `projected_embeddings` and `output_attention_mask` (int64). `out_frames = (frames - 1) // 8 + 1`.

    Args:
        model_or_path: an `AuTTinyForCTC` (its encoder is used with `encoder_only`), an `AuTTinyModel`, or a
            folder / Hub id to load one from; its processor is then saved alongside too.
        output_path: a folder (the file is `model.onnx` in it) or a path ending in `.onnx`.
        encoder_only: export the encoder (what the Thinker reads) instead of the CTC model.
        opset: ONNX opset of the default domain.
        processor: the processor (or feature extractor) to save next to the file; defaults to the one found in
            `model_or_path` when that is a folder.
        check: run the file in onnxruntime on a padded batch of another shape and raise if it differs from PyTorch
            by more than 1e-4, so a broken export fails here rather than at inference.

    Returns:
        The path of the written `.onnx` file.
    """
    model = _load_model(model_or_path, encoder_only)
    if model.dtype != torch.float32:
        raise ValueError(f"Export a float32 model (got {model.dtype}); use `quantize_onnx` for int8.")
    if processor is None and isinstance(model_or_path, (str, os.PathLike)):
        processor = _load_processor(model_or_path)
    output_path = Path(output_path)
    onnx_path = output_path if output_path.suffix == ".onnx" else output_path / ONNX_FILE
    onnx_path.parent.mkdir(parents=True, exist_ok=True)

    was_training = model.training
    model.eval()
    graph = (_EncoderGraph(model) if encoder_only else _CTCGraph(model)).eval()
    # Batch 2 and a frame count that is not a multiple of 8: torch.export specializes sizes 0 and 1, and the
    # padded second row puts the masking code in the graph.
    example = _example_inputs(model.config.num_mel_bins, (203, 150), model.device)
    batch, frames = torch.export.Dim("batch"), torch.export.Dim("frames")
    try:
        with warnings.catch_warnings():
            # torch notes that our axis names equal the ones it infers, and that its own pytree code is deprecated.
            warnings.filterwarnings("ignore", message=".*axis name.*will not be used")
            warnings.filterwarnings("ignore", message=".*LeafSpec.*", category=FutureWarning)
            program = torch.onnx.export(
                graph,
                example,
                dynamo=True,
                verbose=False,
                opset_version=opset,
                input_names=list(INPUT_NAMES),
                output_names=list(ENCODER_OUTPUTS if encoder_only else CTC_OUTPUTS),
                dynamic_shapes={"input_features": {0: batch, 1: frames}, "attention_mask": {0: batch, 1: frames}},
            )
        # One self-contained file: the model is ~8 MB, far from protobuf's 2 GB limit.
        program.save(str(onnx_path), external_data=False)

        if check:
            difference = max_abs_difference(model, onnx_path)
            logger.info("max |onnxruntime - PyTorch| = %.2e", difference)
            if not difference <= CHECK_TOLERANCE:
                raise RuntimeError(
                    f"{onnx_path} differs from PyTorch by {difference:.2e} (> {CHECK_TOLERANCE}) on a padded batch."
                )
    finally:
        model.train(was_training)

    model.config.save_pretrained(onnx_path.parent)
    if processor is not None:
        processor.save_pretrained(onnx_path.parent)
    elif not encoder_only:
        logger.warning(
            "No processor given or found: %s has no tokenizer or feature extractor, which OnnxCTCRecognizer needs. "
            "Pass `processor=` or save one there with `processor.save_pretrained`.",
            onnx_path.parent,
        )
    return onnx_path


def quantize_onnx(
    fp32_path: str | os.PathLike,
    int8_path: str | os.PathLike | None = None,
    per_channel: bool = False,
    quantize_conv: bool = False,
) -> Path:
    """
    Dynamic int8 quantization: int8 weights of every MatMul/Gemm, activations quantized to uint8 on the fly.

    Convolutions stay float32 by default: with them as `ConvInteger` the logit error of a random default-size model
    grew 2.5x (max 0.039 vs 0.014) and the model got slower (10 s of audio, 1 thread: 10.5 ms vs 8.5 ms; float 11.4
    ms), because onnxruntime's CPU `ConvInteger` is slower than its float `Conv`. The convolutions hold a tenth of
    the weights, so the file still shrinks 2.7x (8.6 MB to 3.2 MB).

    Args:
        fp32_path: the exported float32 `.onnx` file.
        int8_path: where to write; defaults to `model_int8.onnx` next to `fp32_path`.
        per_channel: one scale per output channel instead of per tensor.
        quantize_conv: quantize the convolutions too (`ConvInteger`).

    Returns:
        The path of the int8 model.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32_path = Path(fp32_path)
    if not fp32_path.is_file():
        raise ValueError(f"No ONNX model at {fp32_path}; export one first with `export_onnx`.")
    int8_path = Path(int8_path) if int8_path is not None else fp32_path.with_name(ONNX_INT8_FILE)
    if int8_path.resolve() == fp32_path.resolve():
        raise ValueError(f"`int8_path` must differ from `fp32_path` ({fp32_path}); it would overwrite it.")
    int8_path.parent.mkdir(parents=True, exist_ok=True)
    op_types = ["MatMul", "Gemm"] + (["Conv"] if quantize_conv else [])
    quantize_dynamic(
        fp32_path,
        int8_path,
        op_types_to_quantize=op_types,
        per_channel=per_channel,
        weight_type=QuantType.QInt8,
        # Only weight matrices: attention's activation-by-activation MatMuls stay float.
        extra_options={"MatMulConstBOnly": True},
    )
    return int8_path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="uomni-export-onnx", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model_dir", help="a saved AuTTinyForCTC (or AuTTinyModel with --encoder-only) folder")
    parser.add_argument("output_dir", help="folder to write model.onnx, config and processor to")
    parser.add_argument("--encoder-only", action="store_true", help="export the encoder (for the Thinker)")
    parser.add_argument("--int8", action="store_true", help=f"also write a dynamic-int8 {ONNX_INT8_FILE}")
    parser.add_argument("--opset", type=int, default=DEFAULT_OPSET, help="ONNX opset (default: %(default)s)")
    args = parser.parse_args(argv)

    if not Path(args.model_dir).is_dir():
        parser.error(f"MODEL_DIR {args.model_dir} is not a folder")
    onnx_path = export_onnx(args.model_dir, args.output_dir, encoder_only=args.encoder_only, opset=args.opset)
    print(f"wrote {onnx_path}")
    if args.int8:
        print(f"wrote {quantize_onnx(onnx_path)}")


if __name__ == "__main__":
    main()
