"""What beam search with the language model costs: real-time factor of greedy vs LM decoding, batch 1.

    .venv/bin/python benchmarks/bench_lm_decoding.py [--model checkpoints/aut-tiny-ctc-en] [--seconds 10]

The model folder must have a `language_model/` (`uomni-build-lm`). Each utterance is 10 s of espeak-ng speech (or
slices of `--audio FILE`); the model runs once, then greedy decoding and LM decoding at each `--beam-widths` are timed
on its logits; model time is reported beside them, so the end-to-end RTF is their sum. Median of `--repeats`.
"""

import argparse

import torch

from uomni_hf import AuTTinyForCTC, AuTTinyProcessor

from _common import SAMPLING_RATE, add_timing_options, command_line, machine, median_seconds, speech


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="checkpoints/aut-tiny-ctc-en")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--beam-widths", type=int, nargs="+", default=[16, 32, 64, 128])
    parser.add_argument("--audio", help="audio file to take the utterance from (default: espeak-ng speech)")
    add_timing_options(parser, repeats=7, warmup=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    processor = AuTTinyProcessor.from_pretrained(args.model)
    if processor.decoder is None:
        parser.error(f"{args.model} has no language_model/; build one with uomni-build-lm --output_dir {args.model}")
    model = AuTTinyForCTC.from_pretrained(args.model).eval()
    audio = speech(args.seconds, args.audio)

    def forward():
        with torch.no_grad():
            return model(**processor(audio=audio, sampling_rate=SAMPLING_RATE, return_tensors="pt")).logits

    logits = forward()
    rows = {"model forward (feature extraction + encoder + CTC head)": forward,
            "greedy decoding": lambda: processor.batch_decode(logits, use_language_model=False)}
    for beam in args.beam_widths:
        rows[f"LM decoding, beam {beam}"] = lambda beam=beam: processor.batch_decode(logits, beam_width=beam)
    print(f"| step | ms per {args.seconds:g} s utterance | RTF |\n|---|---|---|")
    for name, fn in rows.items():
        seconds = median_seconds(fn, args.repeats, args.warmup)
        print(f"| {name} | {seconds * 1000:.1f} | {seconds / args.seconds:.4f} |", flush=True)
    options = processor.decoder.options
    print(f"\nLanguage model: {processor.decoder.kenlm_path} ({len(processor.decoder.unigrams)} words); alpha "
          f"{options.alpha}, beta {options.beta}, token beam {options.token_beam_width}, threshold "
          f"{options.beam_threshold}. Target: LM decoding at beam 64 RTF ≤ 0.02.")
    print(f"Machine: {machine(args.threads)}")
    print(f"Command: {command_line()}")


if __name__ == "__main__":
    main()
