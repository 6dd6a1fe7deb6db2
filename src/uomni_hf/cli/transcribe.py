"""`uomni-transcribe`: speech files to text (and word times) with `pipeline("automatic-speech-recognition")`.

    uomni-transcribe talk.wav interview.mp3 --timestamps --chunk-length 20

When the model folder has a language model (`language_model/`, from `uomni-build-lm`), decoding is beam search with
it (`--no-lm` for greedy CTC). The pipeline calls the processor's decoder through its `decoder=` hook, which
Transformers deprecates for v6; `AuTTinyProcessor.batch_decode(logits)` is the way that stays.
"""

import argparse
import os
import sys
from pathlib import Path

from transformers import AutoProcessor, pipeline


# Importing this module imports `uomni_hf`, which registers AuT-Tiny with the Auto classes the pipeline uses.
# The English checkpoint committed in this repository (source checkouts and editable installs).
SHIPPED_CHECKPOINT = Path(__file__).resolve().parents[3] / "checkpoints" / "aut-tiny-ctc-en"


def default_model() -> str:
    """`$UOMNI_MODEL`, else the checkpoint shipped with the repository."""
    if "UOMNI_MODEL" in os.environ:
        return os.environ["UOMNI_MODEL"]
    if SHIPPED_CHECKPOINT.is_dir():
        return str(SHIPPED_CHECKPOINT)
    raise FileNotFoundError(
        f"No model given and the shipped checkpoint is not at {SHIPPED_CHECKPOINT}; pass --model PATH_OR_REPO_ID "
        "or set UOMNI_MODEL."
    )


def load_pipeline(model: str, language_model: bool = True):
    """`pipeline("automatic-speech-recognition")` for `model` (a folder or Hub id), decoding with the folder's language
    model when it has one and `language_model` is true (`asr.type == "ctc_with_lm"`), greedily otherwise."""
    processor = AutoProcessor.from_pretrained(model, load_language_model=language_model)
    return pipeline(
        "automatic-speech-recognition",
        model=model,
        tokenizer=processor.tokenizer,
        feature_extractor=processor.feature_extractor,
        decoder=processor.decoder,
    )


def format_result(path: str, result: dict, timestamps: bool) -> str:
    lines = [f"{path}: {result['text']}"]
    if timestamps:
        for chunk in result.get("chunks", []):
            start, end = chunk["timestamp"]
            lines.append(f"  {start:8.2f} {end:8.2f}  {chunk['text']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="uomni-transcribe", description=__doc__.strip().splitlines()[0])
    parser.add_argument("files", nargs="+", help="audio files (anything ffmpeg decodes: wav, flac, mp3, ogg, ...)")
    parser.add_argument("--model", default=None, help="model folder or Hub id (default: the shipped checkpoint)")
    parser.add_argument("--timestamps", action="store_true", help="also print word start/end times in seconds")
    parser.add_argument("--chunk-length", type=float, default=None, help="chunk long audio into S-second windows")
    parser.add_argument("--stride-length", type=float, default=None, help="overlap per side (default S/6)")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--no-lm", action="store_true", help="greedy CTC even when the folder has a language model")
    parser.add_argument("--beam-width", type=int, default=None, help="beam width of language-model decoding")
    parser.add_argument("--hotwords", nargs="*", default=None, help="words to favour in language-model decoding")
    args = parser.parse_args(argv)

    missing = [path for path in args.files if not os.path.isfile(path)]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")
    model = args.model or default_model()
    asr = load_pipeline(model, language_model=not args.no_lm)
    with_lm = asr.type == "ctc_with_lm"
    if not with_lm and (args.beam_width or args.hotwords):
        parser.error("--beam-width and --hotwords need a model folder with a language model (and no --no-lm)")
    options = {"batch_size": args.batch_size}
    if with_lm:
        options["decoder_kwargs"] = {"beam_width": args.beam_width, "hotwords": args.hotwords}
    if args.timestamps:
        options["return_timestamps"] = "word"
    if args.chunk_length:
        options["chunk_length_s"] = args.chunk_length
        if args.stride_length is not None:
            options["stride_length_s"] = args.stride_length
    status = 0
    for path in args.files:
        try:
            result = asr(path, **options)
        except ValueError as error:  # undecodable or empty files: report and go on with the others
            print(f"{path}: error: {error}", file=sys.stderr)
            status = 1
            continue
        print(format_result(path, result, args.timestamps), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
