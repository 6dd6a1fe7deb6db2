"""`uomni-app`: a web page to try AuT-Tiny: record or upload speech, read the transcript, word times and alignment.

    uomni-app                                   # the shipped checkpoint, on http://127.0.0.1:7860
    uomni-app --model runs/my-model-best --port 8080

A Gradio app (the `app` extra: `pip install 'uomni-hf[app]'`). The model is loaded once, with the folder's language
model when it has one; a checkbox on the page switches between beam search with it and greedy CTC. Decoding is
`uomni-transcribe`'s pipeline (`load_pipeline`), the picture `examples/plot_alignment.py`'s (`uomni_hf.plotting`).
Bad input (not audio, a video without sound, silence, audio over the length limit) is reported on the page.
"""

import argparse
import json
import logging
import math
import os
import subprocess
import sys

import numpy as np
from transformers import pipeline

from .transcribe import default_model, load_pipeline


logger = logging.getLogger(__name__)

SAMPLING_RATE = 16000
MAX_MINUTES = 5.0
CHUNK_LENGTH_S = 20.0  # audio longer than this is transcribed in windows of this length (README: long audio)
SILENCE_PEAK = 1e-3  # -60 dBFS: nothing louder than this is taken for silence without running the model


class AudioInputError(ValueError):
    """Input the app cannot transcribe; the message is written for the person who gave it."""


def _duration_text(seconds: float) -> str:
    minutes, rest = divmod(int(round(seconds)), 60)
    if minutes == 0:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def probe(path: str) -> dict:
    """`ffprobe`'s streams and format of a file; `AudioInputError` when it is not a media file ffmpeg reads."""
    command = ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", path]
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except FileNotFoundError as error:
        raise RuntimeError("ffprobe (part of ffmpeg) is needed to read audio files: install ffmpeg") from error
    if out.returncode != 0:
        raise AudioInputError(
            "This file is not audio that ffmpeg can read (is it a document, or a damaged file?). Upload a speech "
            "recording (wav, flac, mp3, ogg, m4a, webm, ...) or record one with the microphone."
        )
    return json.loads(out.stdout or "{}")


def read_audio(path: str, max_seconds: float = MAX_MINUTES * 60) -> np.ndarray:
    """Decode `path` to 16 kHz mono float32 with ffmpeg (as the pipeline does), checking first that it has an audio
    track and is at most `max_seconds` long. Raises `AudioInputError` with a message for the user otherwise."""
    info = probe(path)
    kinds = [stream.get("codec_type") for stream in info.get("streams", [])]
    if "audio" not in kinds:
        if "video" in kinds:
            container = info.get("format", {}).get("format_name", "")
            picture = container == "image2" or container.endswith("_pipe")
            what = "a picture, not audio" if picture else "a video without an audio track"
            raise AudioInputError(f"This file is {what}: there is no sound to transcribe.")
        raise AudioInputError("This file has no audio track: there is nothing to transcribe.")
    limit = _duration_text(max_seconds)
    try:
        duration = float(info.get("format", {}).get("duration", "nan"))
    except ValueError:
        duration = math.nan
    if duration > max_seconds + 0.5:
        raise AudioInputError(
            f"This audio is {_duration_text(duration)} long; the limit here is {limit}. Cut it shorter, or transcribe "
            "it from a shell: uomni-transcribe FILE --chunk-length 20"
        )
    # -t bounds the decoding where the container does not state its duration (e.g. browser recordings).
    command = ["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-t", f"{max_seconds + 1:.3f}",
               "-ac", "1", "-ar", str(SAMPLING_RATE), "-f", "f32le", "pipe:1"]  # fmt: skip
    out = subprocess.run(command, capture_output=True, timeout=600)
    audio = np.frombuffer(out.stdout, np.float32)
    if out.returncode != 0 or audio.size == 0:
        raise AudioInputError("ffmpeg could not decode the audio track of this file: it may be damaged or empty.")
    if audio.size > max_seconds * SAMPLING_RATE + SAMPLING_RATE // 2:
        raise AudioInputError(f"This audio is longer than the limit here, {limit}. Cut it shorter.")
    return audio


class Transcriber:
    """The model, loaded once, with a beam-search pipeline (the folder's language model) and a greedy one."""

    def __init__(self, model: str, max_seconds: float = MAX_MINUTES * 60):
        self.model_name = model
        self.max_seconds = max_seconds
        self.with_lm = load_pipeline(model, language_model=True)
        self.has_lm = self.with_lm.type == "ctc_with_lm"
        # The same model object without the decoder: greedy CTC.
        self.greedy = pipeline(
            "automatic-speech-recognition",
            model=self.with_lm.model,
            tokenizer=self.with_lm.tokenizer,
            feature_extractor=self.with_lm.feature_extractor,
        )

    def __call__(self, path: str | None, use_lm: bool = True) -> tuple[dict, np.ndarray]:
        """Transcribe a file: the pipeline's result (`text` and word `chunks`) and the 16 kHz audio. Raises
        `AudioInputError` for input it cannot transcribe, silence and speechless audio included."""
        if not path:
            raise AudioInputError("Upload an audio file or record one with the microphone first.")
        audio = read_audio(path, self.max_seconds)
        if np.abs(audio).max() < SILENCE_PEAK:
            length = _duration_text(audio.size / SAMPLING_RATE)
            raise AudioInputError(f"No speech detected: the audio ({length}) is silent.")
        asr = self.with_lm if use_lm and self.has_lm else self.greedy
        options = {"return_timestamps": "word"}
        if audio.size > CHUNK_LENGTH_S * SAMPLING_RATE:
            options["chunk_length_s"] = CHUNK_LENGTH_S
        result = asr(audio.copy(), **options)
        if not result["text"].strip():
            raise AudioInputError("No speech detected: the model heard no English words in this audio.")
        return result, audio

    def alignment_image(self, audio: np.ndarray, result: dict) -> np.ndarray:
        from uomni_hf.plotting import alignment_figure, figure_to_array

        features = self.greedy.feature_extractor(audio, sampling_rate=SAMPLING_RATE, return_tensors="np")
        figure = alignment_figure(features["input_features"][0], audio.size / SAMPLING_RATE, result, title="")
        return figure_to_array(figure)


def word_rows(result: dict) -> list[list]:
    return [[chunk["text"], chunk["timestamp"][0], chunk["timestamp"][1]] for chunk in result.get("chunks", [])]


def build_demo(transcriber: Transcriber):
    """The Gradio page (not launched)."""
    import gradio as gr

    limit = _duration_text(transcriber.max_seconds)

    def transcribe(path, use_lm):
        try:
            result, audio = transcriber(path, use_lm)
            image = transcriber.alignment_image(audio, result)
        except AudioInputError as error:
            raise gr.Error(str(error), duration=20, print_exception=False) from error
        except Exception as error:  # a bug, not the input: the page says so, the log has the traceback
            logger.exception("transcription failed")
            raise gr.Error(f"Transcription failed: {type(error).__name__}. The server log has the details.") from error
        return result["text"], word_rows(result), image

    def clear():
        return "", [], None

    with gr.Blocks(title="AuT-Tiny speech recognition") as demo:
        gr.Markdown(
            "# AuT-Tiny: English speech recognition\n"
            f"Record or upload English speech (up to {limit}) and press **Transcribe**. A 2 M-parameter model "
            "running on this machine's CPU: fast, and far from accurate. Model: "
            f"`{transcriber.model_name}`."
        )
        with gr.Row():
            with gr.Column():
                with gr.Tab("Record or upload audio"):
                    audio = gr.Audio(
                        sources=["upload", "microphone"],
                        type="filepath",
                        label="Speech",
                        buttons=["download"],
                        elem_id="audio-input",
                    )
                    audio_button = gr.Button("Transcribe", variant="primary", elem_id="transcribe-audio")
                with gr.Tab("Video or other media file"):
                    media = gr.File(
                        label="A video or audio file: its (first) audio track is transcribed",
                        file_types=["audio", "video"],
                        type="filepath",
                        elem_id="media-input",
                    )
                    media_button = gr.Button("Transcribe", variant="primary", elem_id="transcribe-media")
                use_lm = gr.Checkbox(
                    value=transcriber.has_lm,
                    interactive=transcriber.has_lm,
                    label="Language model (beam search with the word n-gram)",
                    info=None if transcriber.has_lm else "This model folder has no language model: greedy CTC.",
                    elem_id="use-lm",
                )
            with gr.Column():
                text = gr.Textbox(label="Transcript", lines=3, interactive=False, elem_id="transcript")
                words = gr.Dataframe(
                    headers=["word", "start (s)", "end (s)"],
                    datatype=["str", "number", "number"],
                    label="Word timestamps",
                    interactive=False,
                    elem_id="word-timestamps",
                )
        image = gr.Image(label="Alignment: log-mel spectrogram and words", interactive=False, elem_id="alignment")
        outputs = [text, words, image]
        audio_button.click(transcribe, inputs=[audio, use_lm], outputs=outputs, api_name="transcribe")
        media_button.click(transcribe, inputs=[media, use_lm], outputs=outputs, api_name="transcribe_file")
        for source in (audio, media):  # a new input clears the last one's results
            source.change(clear, outputs=outputs, api_name=False, queue=False)
    return demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="uomni-app", description=__doc__.strip().splitlines()[0])
    parser.add_argument("--model", default=None, help="model folder or Hub id (default: the shipped checkpoint)")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (0.0.0.0: every interface)")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--max-minutes", type=float, default=MAX_MINUTES, help="longest audio accepted")
    parser.add_argument("--max-file-size", default="500mb", help="largest upload accepted (videos are large)")
    args = parser.parse_args(argv)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from a local demo
    try:
        import gradio  # noqa: F401
    except ImportError:
        parser.error("the app needs Gradio: pip install 'uomni-hf[app]'")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    transcriber = Transcriber(args.model or default_model(), max_seconds=args.max_minutes * 60)
    demo = build_demo(transcriber)
    demo.queue(default_concurrency_limit=1)
    demo.launch(server_name=args.host, server_port=args.port, max_file_size=args.max_file_size, show_error=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
