"""`uomni-build-lm`: a word n-gram language model for beam-search decoding, from text, into a model folder.

    uomni-build-lm --text_files ../shared/data/ljspeech-text/metadata.csv \
        --metadata_files runs/data/so762/train/metadata.csv --order 4 --output_dir checkpoints/aut-tiny-ctc-en

Sentences are normalized as training transcripts are (numbers spelled out, lower case, letters and apostrophes), so
the language model's words are the ones the acoustic model spells. KenLM's `lmplz` estimates the model (modified
Kneser-Ney) and `build_binary` stores it compactly; both are built by `scripts/setup.sh` into `.venv/bin`. The result
is `OUTPUT_DIR/language_model/` (`attrs.json`, `unigrams.txt`, `lm.bin`), which `AuTTinyProcessor.from_pretrained`
loads. Transcripts of a `test` split are refused: a language model that has read the test set reports nothing.

`--lexicon_size N` adds English's N most frequent words (`wordfreq`, the speakable ones) as one-word sentences: the
decoder charges `unk_score_offset` for every word its LM does not know, so without a lexicon a word the text never
used is pushed towards one it did; with it, such a word costs only its small unigram probability. (For the shipped
checkpoint a 50,000-word lexicon did not help: the README's language-model section has the numbers.)

`--quantize 8` stores the model as KenLM's trie with 8-bit probabilities and backoffs instead of its probing hash
table: about a quarter of the size, so a model folder's size limit holds four times the n-grams (large book text).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..corpus.text import read_metadata_transcripts, read_text_file, vocabulary
from ..decoding_aut_tiny import LANGUAGE_MODEL_DIR, TUNABLE_OPTIONS, LMDecodingOptions, write_language_model_files
from ..text_normalization import normalize_transcript


def find_tool(name: str, given: str | None = None) -> str:
    """`given`, else `name` beside this Python (the venv's bin, where setup.sh puts KenLM), else on PATH."""
    candidates = [given] if given else [str(Path(sys.executable).parent / name), shutil.which(name)]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError(
        f"KenLM's `{name}` was not found (beside {sys.executable} or on PATH); `bash scripts/setup.sh` builds it, "
        f"or pass --{name} PATH."
    )


def refuse_test_split(paths: list[str], allow: bool) -> None:
    for path in paths:
        if not allow and "test" in Path(path).resolve().parts:
            raise ValueError(
                f"{path} is in a `test` folder: language models are built from training text only "
                "(--allow_test_text to override)."
            )


def normalized_sentences(text_files: list[str], metadata_files: list[str], lexicon_size: int = 0) -> list[str]:
    sentences = [s for path in text_files for s in read_text_file(path)]
    sentences += [s for path in metadata_files for s in read_metadata_transcripts(path)]
    sentences += list(vocabulary(lexicon_size)) if lexicon_size > 0 else []
    normalized = [normalize_transcript(s) for s in sentences]
    return [s for s in normalized if s]


def build_language_model(
    sentences: list[str],
    output_dir: str | Path,
    order: int = 4,
    prune: list[int] | None = None,
    options: LMDecodingOptions | None = None,
    max_size_mb: float = 20.0,
    lmplz: str | None = None,
    build_binary: str | None = None,
    quantize: int = 0,
) -> Path:
    """Write `output_dir/language_model/` and return it."""
    if not sentences:
        raise ValueError("No sentences to build a language model from.")
    if order < 2:
        raise ValueError(f"--order must be at least 2, got {order}.")
    if not 0 <= quantize <= 25:
        raise ValueError(f"--quantize must be 0 (no quantization) or 1-25 bits, got {quantize}.")
    lmplz, build_binary = find_tool("lmplz", lmplz), find_tool("build_binary", build_binary)
    target = Path(output_dir) / LANGUAGE_MODEL_DIR
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        corpus, arpa = Path(work) / "corpus.txt", Path(work) / "lm.arpa"
        corpus.write_text("\n".join(sentences) + "\n", encoding="utf-8")
        command = [lmplz, "--order", str(order), "--discount_fallback", "-S", "20%", "-T", work]
        if prune:
            command += ["--prune", *map(str, prune)]
        with corpus.open("rb") as text_in, arpa.open("wb") as arpa_out:
            run(command, stdin=text_in, stdout=arpa_out)
        layout = ["-q", str(quantize), "-b", str(quantize), "trie"] if quantize else []
        run([build_binary, *layout, str(arpa), str(target / "lm.bin")])
    size_mb = (target / "lm.bin").stat().st_size / 1e6
    if size_mb > max_size_mb:
        raise ValueError(f"The language model is {size_mb:.1f} MB, over --max_size_mb {max_size_mb}; prune it more.")
    words = sorted({word for sentence in sentences for word in sentence.split()})
    write_language_model_files(target, words, options or LMDecodingOptions(), "lm.bin")
    return target


def run(command: list[str], **kwargs) -> None:
    result = subprocess.run(command, stderr=subprocess.PIPE, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr.decode(errors='replace')[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="uomni-build-lm", description=__doc__.strip().splitlines()[0])
    parser.add_argument("--text_files", nargs="*", default=[], help="one sentence per line, or LJSpeech metadata.csv")
    parser.add_argument("--metadata_files", nargs="*", default=[], help="audiofolder metadata.csv (train splits)")
    parser.add_argument("--output_dir", required=True, help="a model folder; the LM goes to its language_model/")
    parser.add_argument("--order", type=int, default=4)
    parser.add_argument("--prune", type=int, nargs="*", default=None, help="lmplz --prune counts per order")
    parser.add_argument("--lexicon_size", type=int, default=0,
                        help="also make known English's N most frequent words (wordfreq), one-word sentences each")
    parser.add_argument("--max_size_mb", type=float, default=20.0)
    parser.add_argument("--quantize", type=int, default=0,
                        help="bits per probability and backoff in a trie (e.g. 8); 0: KenLM's probing table")
    parser.add_argument("--allow_test_text", action="store_true")
    parser.add_argument("--lmplz", default=None)
    parser.add_argument("--build_binary", default=None)
    defaults = LMDecodingOptions()
    for name in TUNABLE_OPTIONS:
        parser.add_argument(f"--{name}", type=type(getattr(defaults, name)), default=getattr(defaults, name))
    args = parser.parse_args(argv)
    if not args.text_files and not args.metadata_files:
        parser.error("give --text_files and/or --metadata_files")
    if args.lexicon_size < 0:
        parser.error(f"--lexicon_size must be 0 or more, got {args.lexicon_size}")
    missing = [p for p in args.text_files + args.metadata_files if not os.path.isfile(p)]
    if missing:
        parser.error(f"no such file: {', '.join(missing)}")
    refuse_test_split(args.metadata_files + args.text_files, args.allow_test_text)
    sentences = normalized_sentences(args.text_files, args.metadata_files, args.lexicon_size)
    options = defaults.replace(**{name: getattr(args, name) for name in TUNABLE_OPTIONS})
    target = build_language_model(sentences, args.output_dir, args.order, args.prune, options, args.max_size_mb,
                                  args.lmplz, args.build_binary, args.quantize)
    size = sum(p.stat().st_size for p in target.iterdir()) / 1e6
    print(f"{target}: {len(sentences)} sentences, order {args.order}, {size:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
