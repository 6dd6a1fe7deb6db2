"""Draw an utterance's log-mel spectrogram with the recognized words at their CTC timestamps (a PNG).

    python examples/plot_alignment.py AUDIO [--model checkpoints/aut-tiny-ctc-en] [--output alignment.png]
"""

import argparse

import matplotlib


matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from transformers import pipeline  # noqa: E402
from transformers.pipelines.audio_utils import ffmpeg_read  # noqa: E402

from uomni_hf.cli.transcribe import default_model  # noqa: E402


def plot_alignment(audio_path: str, model: str, output: str) -> dict:
    """Transcribe with word timestamps and save the picture; returns the pipeline's result."""
    asr = pipeline("automatic-speech-recognition", model=model)
    with open(audio_path, "rb") as file:
        audio = ffmpeg_read(file.read(), asr.feature_extractor.sampling_rate)
    result = asr(audio.copy(), return_timestamps="word")
    features = asr.feature_extractor(audio, sampling_rate=16000, return_tensors="np")["input_features"][0]
    seconds = len(audio) / 16000

    figure, axis = plt.subplots(figsize=(max(6.0, 1.6 * seconds), 3.6))
    axis.imshow(features.T, origin="lower", aspect="auto", extent=(0, seconds, 0, features.shape[1]), cmap="magma")
    for index, chunk in enumerate(result["chunks"]):
        start, end = chunk["timestamp"]
        axis.axvspan(start, end, color="cyan", alpha=0.18)
        axis.axvline(start, color="cyan", linewidth=0.8)
        height = features.shape[1] * (0.88 if index % 2 == 0 else 0.76)
        axis.text(start, height, chunk["text"], color="white", fontsize=9, weight="bold")
    axis.set_xlabel("seconds")
    axis.set_ylabel("mel bin")
    axis.set_title(f"AuT-Tiny: {result['text']}", fontsize=9)
    figure.tight_layout()
    figure.savefig(output, dpi=120)
    plt.close(figure)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("audio")
    parser.add_argument("--model", default=None, help="default: the shipped checkpoint")
    parser.add_argument("--output", default="alignment.png")
    args = parser.parse_args()
    result = plot_alignment(args.audio, args.model or default_model(), args.output)
    print(f"{args.output}: {result['text']}")


if __name__ == "__main__":
    main()
