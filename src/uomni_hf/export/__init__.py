"""Deployment outside PyTorch: ONNX export (`uomni-export-onnx`) and an onnxruntime recognizer."""

from .onnx_export import ONNX_FILE, ONNX_INT8_FILE, export_onnx, quantize_onnx


def __getattr__(name: str):
    # onnxruntime is an optional extra: import the runner only when it is asked for.
    if name == "OnnxCTCRecognizer":
        from .onnx_runner import OnnxCTCRecognizer

        return OnnxCTCRecognizer
    raise AttributeError(name)


__all__ = ["ONNX_FILE", "ONNX_INT8_FILE", "OnnxCTCRecognizer", "export_onnx", "quantize_onnx"]
