"""WER per kind of generated sentence (templates, number phrases, random word sequences), greedy and with the LM.

The Kokoro test set mixes sentence kinds that a language model helps very differently: a random sequence of words
has no context to use. This splits its WER by the generator that drew each sentence, found again from the corpus's
`--seed` (everything of utterance `index` follows from `(seed, split, index)`); an utterance whose sentence was drawn
again (an excluded text) is counted as "redrawn".

    .venv/bin/python benchmarks/eval_sentence_kinds.py --model checkpoints/aut-tiny-ctc-en \
        --data runs/data/kokoro-reserved --split test --seed 0
"""

import argparse
from pathlib import Path

import jiwer
import torch

from uomni_hf import AuTTinyForCTC, AuTTinyProcessor
from uomni_hf.corpus.build import kokoro_text_rng
from uomni_hf.corpus.espeak import spell_out_letter_words
from uomni_hf.corpus.text import generate_sentence_and_kind
from uomni_hf.text_normalization import normalize_transcript

from _common import audiofolder_rows, command_line, load_audio
from eval_language_model import log_probs


def sentence_kinds(rows: list[dict], seed: int, split: str) -> list[str]:
    """The generator kind of each row of a Kokoro corpus split built with `seed` (rows in index order)."""
    kinds = []
    for index, row in enumerate(rows):
        text, kind = generate_sentence_and_kind(kokoro_text_rng(seed, split, index))
        kinds.append(kind if spell_out_letter_words(text, row["lang"]) == row["text"] else "redrawn")
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True, help="a Kokoro corpus of generated sentences (uomni-make-corpus)")
    parser.add_argument("--split", default="validation")
    parser.add_argument("--seed", type=int, required=True, help="the --seed the corpus was built with")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    folder = Path(args.data) / args.split
    rows = audiofolder_rows(args.data, args.split)
    if "lang" not in rows[0]:
        parser.error(f"{folder}/metadata.csv has no lang column: not a Kokoro corpus of uomni-make-corpus")
    kinds = sentence_kinds(rows, args.seed, args.split)
    processor = AuTTinyProcessor.from_pretrained(args.model)
    model = AuTTinyForCTC.from_pretrained(args.model).eval()
    logits = log_probs(model, processor, [load_audio(folder / row["file_name"]) for row in rows])
    refs = [normalize_transcript(row["text"]) for row in rows]
    greedy = [processor.decode(row, use_language_model=False).text for row in logits]
    with_lm = [processor.decode(row).text for row in logits] if processor.decoder is not None else None

    print("| kind | utterances | words (share) | greedy WER | LM WER |\n|---|---|---|---|---|")
    total_words = sum(len(ref.split()) for ref in refs)
    for kind in sorted(set(kinds)) + ["all"]:
        ids = [i for i, k in enumerate(kinds) if kind in (k, "all")]
        kind_refs = [refs[i] for i in ids]
        words = sum(len(ref.split()) for ref in kind_refs)
        lm = f"{100 * jiwer.wer(kind_refs, [with_lm[i] for i in ids]):.1f} %" if with_lm else "-"
        print(f"| {kind} | {len(ids)} | {words} ({100 * words / total_words:.0f} %) | "
              f"{100 * jiwer.wer(kind_refs, [greedy[i] for i in ids]):.1f} % | {lm} |")
    print(f"Command: {command_line()}")


if __name__ == "__main__":
    main()
