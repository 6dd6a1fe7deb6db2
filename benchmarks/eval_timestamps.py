"""Word timestamp accuracy against known boundaries, for several word-end extensions.

    .venv/bin/python benchmarks/eval_timestamps.py --model checkpoints/aut-tiny-ctc-en [--extensions 0,1,2]

Every word is synthesized alone (espeak-ng, silence trimmed) and the words are joined with 0.3 s of silence
(`uomni_hf.corpus.timestamps.synthesize_with_word_times`), so each word's true start and end are known. The ASR
pipeline's `return_timestamps="word"` is scored on the words it recognizes correctly (matched in order), once per
tokenizer `word_end_extension` (frames added to each word end). Prints the share of starts and ends within ±0.16 s
(two output frames) and the mean signed end error, for choosing the extension.
"""

import argparse
import itertools

import numpy as np
import torch
from transformers import pipeline

import uomni_hf  # noqa: F401  (registers AuT-Tiny with the Auto classes)
from uomni_hf import AuTTinyTokenizer
from uomni_hf.corpus import SpeakerConfig, synthesize_with_word_times, word_time_errors

from _common import command_line, machine


SENTENCES = (
    "open the window and bring me seven yellow apples",
    "my brother works in a big hospital near the river",
    "please call stella and ask her to bring these things",
    "the children counted thirty stars before they slept",
)
VOICES = (
    SpeakerConfig("en-us", "m3", 150, 45),
    SpeakerConfig("en-gb", "f1", 170, 55),
    SpeakerConfig("en-us", "m1", 190, 50),
    SpeakerConfig("en-gb-x-rp", "m2", 140, 40),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="a trained AuT-Tiny CTC folder")
    parser.add_argument("--extensions", default="0,1,2", help="word_end_extension values (frames)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    utterances = [synthesize_with_word_times(s.split(), v, 0.3) for s, v in itertools.product(SENTENCES, VOICES)]
    spoken = sum(len(truth) for _, truth in utterances)
    print(f"{len(utterances)} utterances ({len(SENTENCES)} sentences × {len(VOICES)} voices), {spoken} words\n")
    print("| word_end_extension | words scored | starts within ±0.16 s | ends within ±0.16 s | median |start| s | "
          "median |end| s |")
    print("|---|---|---|---|---|---|")
    for extension in (int(e) for e in args.extensions.split(",")):
        tokenizer = AuTTinyTokenizer.from_pretrained(args.model, word_end_extension=extension)
        asr = pipeline("automatic-speech-recognition", model=args.model, tokenizer=tokenizer)
        errors = np.array(
            [e for audio, truth in utterances for e in word_time_errors(asr(audio, return_timestamps="word")["chunks"], truth)]
        )
        starts, ends = errors[:, 0], errors[:, 1]
        print(f"| {extension} | {len(errors)} | {100 * np.mean(starts <= 0.16):.0f} % | {100 * np.mean(ends <= 0.16):.0f} % | "
              f"{np.median(starts):.3f} | {np.median(ends):.3f} |", flush=True)
    print(f"\nMachine: {machine(args.threads)}\nCommand: {command_line()}")


if __name__ == "__main__":
    main()
