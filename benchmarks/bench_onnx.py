"""ONNX Runtime (fp32 and int8) vs PyTorch eager (fp32): CPU inference speed, and the WER int8 costs.

Speed (batch 1, 10 s and 60 s of audio, 2 threads each):

    python benchmarks/bench_onnx.py [--model MODEL_DIR] [--seconds 10 60] [--repeats 7] [--warmup 2] [--threads 2]

Times the model alone, from log-mel features to logits (the feature extractor is the same for every engine). The
engines take turns within each repeat so that load from other processes hits them alike; the table reports the
median of the repeats and speed-ups against PyTorch in the same run. Without `--model` a randomly initialized
default-size AuTTinyForCTC is used: speed does not depend on the weights.

WER of int8 vs fp32 ONNX on held-out speech (an `audiofolder` whose `test` split has metadata.csv with
file_name,text):

    python benchmarks/bench_onnx.py --wer-data corpus --model outputs/demo/aut-tiny-ctc-demo

`--model` is a saved AuTTinyForCTC folder (exported here to a temporary ONNX folder with int8) or a folder written
by `uomni-export-onnx MODEL_DIR OUT --int8`. References are normalized as in training (`normalize_transcript`, then
the tokenizer's normalizer).
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from uomni_hf import AuTTinyConfig, AuTTinyFeatureExtractor, AuTTinyForCTC
from uomni_hf.export.onnx_export import ONNX_FILE, ONNX_INT8_FILE, export_onnx, quantize_onnx
from uomni_hf.export import OnnxCTCRecognizer


def onnx_folder_for(model: str | None, workdir: Path) -> tuple[Path, AuTTinyForCTC | None]:
    """An ONNX folder with fp32 and int8 models, and the PyTorch model when its weights are at hand."""
    if model is not None and (Path(model) / ONNX_FILE).is_file():
        if not (Path(model) / ONNX_INT8_FILE).is_file():
            raise ValueError(f"{model} has no {ONNX_INT8_FILE}; export it with `uomni-export-onnx ... --int8`.")
        has_weights = any(Path(model).glob("*.safetensors"))
        return Path(model), AuTTinyForCTC.from_pretrained(model).eval() if has_weights else None
    if model is None:
        torch_model = AuTTinyForCTC(AuTTinyConfig()).eval()
        export_onnx(torch_model, workdir, processor=AuTTinyFeatureExtractor())
    else:
        torch_model = AuTTinyForCTC.from_pretrained(model).eval()
        export_onnx(model, workdir)
    quantize_onnx(workdir / ONNX_FILE)
    return workdir, torch_model


def synthetic_audio(seconds: float, seed: int = 0) -> np.ndarray:
    """Noise plus a tone: broadband, like speech as far as the features' statistics go."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    return (0.05 * rng.standard_normal(t.size) + 0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def median_ms(engines: dict[str, Callable[[], object]], repeats: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        for run in engines.values():
            run()
    times = {name: [] for name in engines}
    for _ in range(repeats):
        for name, run in engines.items():  # interleaved: background load hits every engine alike
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: 1000 * statistics.median(values) for name, values in times.items()}


@torch.inference_mode()
def torch_logits(model: AuTTinyForCTC, features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return model(input_features=features, attention_mask=mask).logits


def ort_session(path: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Idle ORT threads spin for a while after each run; with the engines taking turns, that spinning would steal
    # the cores from PyTorch's next run and make it look several times slower than it is.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def bench_speed(folder: Path, torch_model: AuTTinyForCTC, args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    fp32, int8 = ort_session(folder / ONNX_FILE, args.threads), ort_session(folder / ONNX_INT8_FILE, args.threads)
    feature_extractor = AuTTinyFeatureExtractor.from_pretrained(folder)
    print(f"torch {torch.__version__}, onnxruntime {ort.__version__}, {args.threads} threads, batch 1, "
          f"median of {args.repeats} after {args.warmup} warm-up runs, features → logits\n")
    print("| audio | PyTorch eager fp32 | ONNX Runtime fp32 | ONNX Runtime int8 |")
    print("|---|---|---|---|")
    for seconds in args.seconds:
        inputs = feature_extractor(synthetic_audio(seconds), sampling_rate=16000, return_tensors="pt")
        features, mask = inputs["input_features"], inputs["attention_mask"].long()
        feeds = {"input_features": features.numpy(), "attention_mask": mask.numpy()}
        engines = {
            "torch": partial(torch_logits, torch_model, features, mask),
            "fp32": partial(fp32.run, None, feeds),
            "int8": partial(int8.run, None, feeds),
        }
        ms = median_ms(engines, args.repeats, args.warmup)
        cells = [f"{ms['torch']:.1f} ms"] + [f"{ms[k]:.1f} ms ({ms['torch'] / ms[k]:.2f}×)" for k in ("fp32", "int8")]
        print(f"| {seconds:g} s | " + " | ".join(cells) + " |")


def bench_wer(folder: Path, args: argparse.Namespace) -> None:
    from datasets import Audio, load_dataset

    import jiwer

    from uomni_hf.text_normalization import normalize_transcript

    dataset = load_dataset("audiofolder", data_dir=args.wer_data, split="test")
    dataset = dataset.cast_column("audio", Audio(sampling_rate=16000))
    if args.limit is not None:
        dataset = dataset.select(range(min(args.limit, len(dataset))))
    audio = [np.asarray(example["audio"]["array"], dtype=np.float32) for example in dataset]
    recognizers = {
        "fp32": OnnxCTCRecognizer(folder, num_threads=args.threads),
        "int8": OnnxCTCRecognizer(folder, int8=True, num_threads=args.threads),
    }
    tokenizer = recognizers["fp32"].tokenizer
    references = [tokenizer.normalize(normalize_transcript(text)) for text in dataset["text"]]

    order = np.argsort([len(a) for a in audio])  # similar lengths per batch: less padding
    minutes = sum(len(a) for a in audio) / 16000 / 60
    print(f"{len(audio)} utterances ({minutes:.1f} min) from {args.wer_data}/test, batch {args.batch_size}\n")
    print("| model | WER | seconds |")
    print("|---|---|---|")
    transcripts = {}
    for name, recognizer in recognizers.items():
        texts = [""] * len(audio)
        start = time.perf_counter()
        for i in range(0, len(order), args.batch_size):
            batch = order[i : i + args.batch_size]
            for index, text in zip(batch, recognizer([audio[j] for j in batch])):
                texts[index] = text
        elapsed = time.perf_counter() - start
        transcripts[name] = texts
        print(f"| ONNX {name} | {100 * jiwer.wer(references, texts):.2f} % | {elapsed:.1f} |")
    same = np.mean([a == b for a, b in zip(transcripts["fp32"], transcripts["int8"])])
    print(f"\nint8 transcripts identical to fp32: {100 * same:.1f} % of utterances")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="AuTTinyForCTC folder or uomni-export-onnx folder (default: random weights)")
    parser.add_argument("--seconds", type=float, nargs="+", default=[10, 60], help="audio durations to time")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per engine (median reported)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs per engine first")
    parser.add_argument("--threads", type=int, default=2, help="torch and onnxruntime intra-op threads")
    parser.add_argument("--wer-data", help="audiofolder with a test split: report fp32 vs int8 ONNX WER instead")
    parser.add_argument("--batch-size", type=int, default=8, help="utterances per batch in --wer-data mode")
    parser.add_argument("--limit", type=int, help="use only the first N test utterances (--wer-data)")
    args = parser.parse_args()
    if args.wer_data is not None and args.model is None:
        parser.error("--wer-data needs --model (a trained model: random weights have no WER worth measuring)")

    with tempfile.TemporaryDirectory() as workdir:
        folder, torch_model = onnx_folder_for(args.model, Path(workdir))
        if args.wer_data is not None:
            bench_wer(folder, args)
        elif torch_model is None:
            parser.error(f"{args.model} has no PyTorch weights to compare speed against; pass the model folder")
        else:
            bench_speed(folder, torch_model, args)


if __name__ == "__main__":
    main()
