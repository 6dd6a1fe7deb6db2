"""Draw an utterance's log-mel spectrogram with the recognized words at their CTC timestamps (a PNG).

    python examples/plot_alignment.py AUDIO [--model checkpoints/aut-tiny-ctc-en] [--output alignment.png]

The drawing is `uomni_hf.plotting.alignment_figure`, which the `uomni-app` page shows too.
"""

import argparse

import numpy as np
from transformers import pipeline
from transformers.pipelines.audio_utils import ffmpeg_read

from uomni_hf.cli.transcribe import default_model
from uomni_hf.plotting import alignment_figure


def draw_alignment(asr, audio: np.ndarray, output: str) -> dict:
    """Transcribe 16 kHz `audio` with `asr` (an ASR pipeline, with or without a decoder) and word timestamps, and
    save the picture; returns the pipeline's result."""
    sampling_rate = asr.feature_extractor.sampling_rate
    result = asr(audio.copy(), return_timestamps="word")
    features = asr.feature_extractor(audio, sampling_rate=sampling_rate, return_tensors="np")["input_features"][0]
    figure = alignment_figure(features, len(audio) / sampling_rate, result)
    figure.savefig(output, dpi=120)
    return result


def plot_alignment(audio_path: str, model: str, output: str) -> dict:
    """`draw_alignment` for an audio file and a model folder (greedy decoding)."""
    asr = pipeline("automatic-speech-recognition", model=model)
    with open(audio_path, "rb") as file:
        audio = ffmpeg_read(file.read(), asr.feature_extractor.sampling_rate)
    return draw_alignment(asr, audio, output)


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
