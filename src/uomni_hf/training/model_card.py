"""The model card `uomni-train` writes beside the weights, in the Hub's form: YAML metadata (license, language,
datasets, `pipeline_tag`) with a `model-index` of the evaluation results, which the Hub renders, then the sections
Hub speech-recognition cards have: model description, intended uses and limitations, how to use, training data,
training procedure, evaluation.

The `model-index` and the Evaluation table come from one metrics dict: `eval_<set>_<kind>` (validation) and
`test_<set>_<kind>` (test) fractions, `<set>` a data folder's name (or nothing, for a run's single set) and `<kind>`
one of `wer`, `cer`, `lm_wer`, `lm_cer`. To rewrite a folder's card after measuring its test sets:

    .venv/bin/python benchmarks/eval_language_model.py --model FOLDER --data runs/data/so762 ... --split test \\
        --metrics_json runs/test_metrics.json
    .venv/bin/python -m uomni_hf.training.model_card FOLDER --results runs/test_metrics.json \\
        --notes_file scripts/train_aut_tiny_en.notes.md --sections docs/model_card_sections.md

which keeps what the folder's present card says about the run (data, validation metrics, command: also from a card
written by earlier versions of this module) and adds the results.
"""

import argparse
import json
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, ModelCardData

# Sections this module writes; any other `## ` section of a card being replaced is hand-written and kept. The last
# three are the names earlier versions of this module wrote.
GENERATED_SECTIONS = (
    "Model description", "How to use", "Training data", "Training procedure", "Evaluation", "Notes",
    "Data", "Metrics", "Training command",
)  # fmt: skip
# Generated sections that the notes (`--model_card_notes`) may add to with a `## ` heading of the same name.
NOTES_TARGETS = ("Model description", "Training data", "Training procedure", "Evaluation")
_EARLIER = "> Measured on an earlier version of these weights; this version's own numbers are under "
EARLIER_WEIGHTS_NOTE = _EARLIER + "Evaluation."
_EARLIER_WEIGHTS_NOTE_BEFORE = _EARLIER + "Metrics."  # the words of earlier versions of this module
LIMITATIONS = "Intended uses and limitations"
DEFAULT_LIMITATIONS = (
    "Speech recognition of English speech at 16 kHz, and speech embeddings for μOmni's Thinker. The model is "
    "measured only on the sets under Evaluation: check it on your own audio before relying on it."
)
NOTES_PLACEHOLDER = "<the notes printed in this card>"
RECORD_START, RECORD_END = "<!-- uomni-train record: ", " -->"
SPLITS = {"eval": "validation", "test": "test"}
KINDS = {"wer": ("wer", False), "cer": ("cer", False), "lm_wer": ("wer", True), "lm_cer": ("cer", True)}


@dataclass(frozen=True)
class EvalSet:
    """What a data folder's name stands for in the card: `dataset_type` is its Hub id where it has one."""

    dataset_type: str
    dataset_name: str
    validation: str = ""  # what its validation split is
    test: str = ""  # what its test split is
    test_utterances: int | None = None
    test_config: str | None = None  # the Hub dataset's config of the test split
    trained_on: tuple[str, ...] = ()  # Hub datasets to list under `datasets:` when a run trains on the folder


# The folders of scripts/train_aut_tiny_en.sh and scripts/evaluate_aut_tiny_en.sh (examples/prepare_real_speech.py).
# Real speech first; the Evaluation table follows this order.
EVAL_SETS = {
    "librispeech": EvalSet("openslr/librispeech_asr", "LibriSpeech", "dev: the 2 speakers never in training (260 "
                           "utterances)", "test-clean: a quarter", 655, "clean", ("openslr/librispeech_asr",)),  # fmt: skip
    "so762": EvalSet("mispeech/speechocean762", "speechocean762", "10 speakers of `train` held out",
                     "`test`: 125 speakers never in training", 2500, trained_on=("mispeech/speechocean762",)),  # fmt: skip
    "an4": EvalSet("espnet/an4", "CMU AN4", "8 speakers of `train` held out", "`test`", 117, trained_on=("espnet/an4",)),
    "kokoro": EvalSet("kokoro-82m-lj-speech", "Kokoro-82M speech of LJ Speech text", "6 voices held out",
                      trained_on=("keithito/lj_speech",)),  # fmt: skip
    "kokoro-reserved": EvalSet("kokoro-82m-reserved-voices", "Kokoro-82M, generated sentences",
                               test="the 6 reserved voices", test_utterances=240),  # fmt: skip
    "kokoro-gen": EvalSet("kokoro-82m-generated", "Kokoro-82M, generated sentences", "6 voices held out"),
    "espeak": EvalSet("espeak-ng", "espeak-ng speech", "voices never in training", "voices never in training", 500,
                      trained_on=("keithito/lj_speech",)),  # fmt: skip
    # The same 500 test utterances built alone (`--num_train 0 --num_validation 0 --num_test 500 --seed 1`).
    "espeak-test": EvalSet("espeak-ng", "espeak-ng speech", test="voices never in training", test_utterances=500),
}


def eval_set(name: str) -> EvalSet:
    return EVAL_SETS.get(name) or EvalSet(name or "audiofolder", name or "the run's data")


def parse_metric(key: str) -> tuple[str, str, str] | None:
    """`eval_so762_lm_wer` → ("eval", "so762", "lm_wer"); `test_wer` → ("test", "", "wer"); None for the rest
    (losses, runtimes, means)."""
    prefix, _, rest = key.partition("_")
    if prefix not in SPLITS:
        return None
    for kind in sorted(KINDS, key=len, reverse=True):  # lm_wer before wer
        if rest == kind:
            return prefix, "", kind
        if rest.endswith("_" + kind):
            name = rest[: -len(kind) - 1]
            return None if name == "mean" else (prefix, name, kind)
    return None


def _order(parsed: tuple[str, str, str]) -> tuple:
    """Test sets first, then the sets in `EVAL_SETS` order, then the metrics (WER first, greedy first)."""
    prefix, name, kind = parsed
    known = list(EVAL_SETS)
    return prefix == "eval", known.index(name) if name in known else len(known), name, list(KINDS).index(kind)


def eval_results(metrics: dict, eval_split: str = "validation") -> list[EvalResult]:
    """The metrics as the Hub's `EvalResult`s (percent), validation and test sets alike, in a stable order."""
    results = []
    parsed = {key: parse_metric(key) for key, value in metrics.items() if value is not None}
    for key in sorted((k for k, p in parsed.items() if p is not None), key=lambda k: _order(parsed[k])):
        prefix, name, kind = parsed[key]
        info = eval_set(name)
        split = eval_split if prefix == "eval" else "test"
        detail = info.test if split == "test" else info.validation
        metric_type, with_lm = KINDS[kind]
        results.append(EvalResult(
            task_type="automatic-speech-recognition", task_name="Speech recognition",
            dataset_type=info.dataset_type, dataset_name=f"{info.dataset_name} ({detail})" if detail else info.dataset_name,
            dataset_config=info.test_config if split == "test" else None, dataset_split=split,
            metric_type=metric_type, metric_value=round(100 * float(metrics[key]), 2),
            metric_name=f"{metric_type.upper()} {'with the LM' if with_lm else 'greedy'} (%)",
            metric_config="lm" if with_lm else "greedy",
        ))  # fmt: skip
    return results


def hand_written_sections(card_text: str) -> str:
    """The `## ` sections of a card that `write_model_card` does not generate (limitations, evaluations added by
    hand), so rewriting the card for new weights keeps them; fenced code blocks are not read as headings. The
    card's test results in its `model-index` (measured on those weights) become a section of their own."""
    # Cards of earlier versions (a "Training command" section) had no generated Evaluation: theirs was hand-written.
    earlier_format = re.search(r"^## Training command\s*$", card_text, flags=re.M) is not None
    sections, current, in_code = [], None, False
    for line in card_text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("## "):
            heading = line[3:].strip()
            current = [line]
            if earlier_format and heading == "Evaluation":
                current = ["## Evaluation of earlier weights"]
                sections.append(current)
            elif heading not in GENERATED_SECTIONS:
                sections.append(current)
        elif (current is not None and line not in (EARLIER_WEIGHTS_NOTE, _EARLIER_WEIGHTS_NOTE_BEFORE)
              and not line.startswith(RECORD_START)):  # the replaced card's record follows its last section
            current.append(line)
    kept = ["\n".join(section).strip() for section in sections]
    kept = [text for text in kept if text != f"## {LIMITATIONS}\n\n{DEFAULT_LIMITATIONS}"]
    try:
        earlier = [r for r in ModelCard(card_text).data.eval_results or [] if r.dataset_split == "test"]
    except Exception:  # no metadata, or not a card at all
        earlier = []
    if earlier:
        rows = "\n".join(f"| {r.dataset_name} | {r.metric_name or r.metric_type} | {r.metric_value} |" for r in earlier)
        kept.append(f"## Test results of earlier weights\n\n| data | metric | value |\n|---|---|---|\n{rows}")
    return "\n\n".join(kept)


def _sections(text: str | None) -> tuple[str, dict[str, str]]:
    """Markdown → (the text before any `## ` heading, {heading: body}); fenced code is not read as headings."""
    head, found, current, in_code = [], {}, None, False
    for line in (text or "").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("## "):
            current = line[3:].strip()
            found[current] = []
        else:
            (found[current] if current is not None else head).append(line)
    return "\n".join(head).strip(), {name: "\n".join(body).strip() for name, body in found.items()}


def _without_notes(command: list[str], notes: str | None) -> list[str]:
    """The command with the notes' text (printed in this card) shown as a placeholder, not pasted twice."""
    if not notes:
        return command
    shown = {notes: NOTES_PLACEHOLDER, f"--model_card_notes={notes}": f"--model_card_notes={NOTES_PLACEHOLDER}"}
    return [shown.get(arg, arg) for arg in command]


def _percent(value) -> str:
    return "" if value is None else f"{100 * value:.1f}"


def _evaluation(metrics: dict, reports: dict, eval_split: str) -> str:
    rows: dict[tuple[str, str], dict[str, float]] = {}
    for key, value in metrics.items():
        parsed = parse_metric(key)
        if parsed is not None and value is not None:
            prefix, name, kind = parsed
            rows.setdefault((prefix, name), {})[kind] = value
    lines = ["| data | split | utterances | WER greedy | CER greedy | WER with LM | CER with LM |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for (prefix, name), values in sorted(rows.items(), key=lambda item: _order((*item[0], "wer"))):
        info = eval_set(name)
        split = eval_split if prefix == "eval" else "test"
        detail = info.test if split == "test" else info.validation
        report = reports.get(f"{prefix}_{name}" if name else prefix, {})
        count = report.get("utterances", info.test_utterances if split == "test" else None)
        label = f"{info.dataset_name} ({detail})" if detail else info.dataset_name
        cells = [label, split, "" if count is None else f"{count:,}"]
        cells += [_percent(values.get(kind)) for kind in ("wer", "cer", "lm_wer", "lm_cer")]
        lines.append("| " + " | ".join(cells) + " |")
    text = ("Error rates in %, transcripts normalized as in training (numbers spelled out). \"Greedy\" is plain CTC "
            "decoding; \"with LM\" is beam search with the word n-gram in `language_model/`, what "
            "`processor.batch_decode(logits)` does.\n\n" + "\n".join(lines)) if rows else ""  # fmt: skip
    means = [f"`{key}` {100 * metrics[key]:.2f} %" for key in sorted(metrics) if key.startswith("eval_mean_")]
    if means:
        text += f"\n\nMean over the validation sets that choose the weights: {', '.join(means)}."
    return text.strip() or "No evaluation was run."


def write_model_card(
    output_dir: str,
    model,
    reports: dict,
    metrics: dict,
    notes: str | None = None,
    command: list[str] | None = None,
    model_reference: str | None = None,
    kept_sections: str | None = None,
    provenance: str | None = None,
    current_sections: str | None = None,
    eval_split: str = "validation",
    output_file: str | None = None,
) -> ModelCard:
    """Write `output_dir/README.md` (or `output_file`); `model_reference` is what the usage examples load (default:
    `output_dir`).

    `metrics`: `eval_*`/`test_*` values as the run logs them (fractions); WER/CER go into the `model-index`.
    `notes` (`--model_card_notes`): text with `## Training data`, `## Training procedure`, ... headings goes into
    those sections, the rest under Notes. `provenance` (which step of a run this is) opens the training procedure;
    it is kept apart from `notes` so that the command's `--model_card_notes` argument is still recognized and shown as
    a placeholder. `kept_sections` (from `hand_written_sections` of the card being replaced) are kept, flagged as
    measured on earlier weights; `current_sections` are hand-written sections about these weights (not flagged).
    `eval_split` names the split the `eval_*` metrics were measured on."""
    program = ["python", "-m", "uomni_hf.training"] if sys.argv[0].endswith("__main__.py") else [Path(sys.argv[0]).name]
    command = " ".join(shlex.quote(arg) for arg in _without_notes(command or [*program, *sys.argv[1:]], notes))
    reference = model_reference or output_dir
    config = model.config
    encoder_params = sum(p.numel() for p in model.model.parameters())
    has_lm = (Path(output_dir) / "language_model").is_dir()
    free_notes, notes_for = _sections(notes)
    notes_for, other_notes = ({k: v for k, v in notes_for.items() if k in NOTES_TARGETS},
                              {k: v for k, v in notes_for.items() if k not in NOTES_TARGETS})  # fmt: skip
    free_notes = "\n\n".join(filter(None, [free_notes, *(f"### {k}\n\n{v}" for k, v in other_notes.items())]))

    hand_written = []  # (heading, body, flagged as earlier)
    for text, flagged in ((current_sections, False), (kept_sections, True)):
        for heading, body in _sections(text)[1].items():
            if heading not in GENERATED_SECTIONS and heading not in {h for h, _, _ in hand_written}:
                hand_written.append((heading, body, flagged))
    limitations = next(((b, f) for h, b, f in hand_written if h == LIMITATIONS), (DEFAULT_LIMITATIONS, False))
    hand_written = [(h, b, f) for h, b, f in hand_written if h != LIMITATIONS]

    def section(heading: str, body: str, flagged: bool = False) -> str:
        return f"## {heading}\n\n" + (f"{EARLIER_WEIGHTS_NOTE}\n\n" if flagged else "") + body.strip() + "\n"

    description = (
        f"AuT-Tiny is the audio encoder of μOmni: 16 kHz speech → {config.num_mel_bins} log-mel bins at 100 Hz → "
        f"three stride-2 convolutions → {config.num_hidden_layers} pre-norm Transformer blocks (width "
        f"{config.hidden_size}, rotary positions"
        + (f", local attention of ±{config.sliding_window} frames" if config.sliding_window else "")
        + f") at 12.5 frames per second. This checkpoint adds a {config.vocab_size}-token CTC head for English speech "
        f"recognition; a projector gives the {config.projector_dim}-d embeddings μOmni's Thinker reads. "
        f"{encoder_params / 1e6:.2f} M parameters (encoder + projector), trained with `uomni-train` of the "
        "`uomni-hf` package (Apache-2.0)."
    )  # fmt: skip
    if has_lm:
        description += (" The folder carries a word n-gram language model (`language_model/`, KenLM) that "
                        "`processor.batch_decode(logits)` uses for CTC beam search.")  # fmt: skip
    lm_usage = (
        "\n\nWith the language model (the package's `lm` extra, flashlight-text; the pipeline takes it as "
        "`decoder=`):\n\n"
        "```python\n"
        f'asr = pipeline("automatic-speech-recognition", model="{reference}", decoder=processor.decoder)\n'
        'asr("speech.wav", return_timestamps="word")["chunks"]  # [{"text": "the", "timestamp": (0.0, 0.16)}, ...]\n'
        "processor.batch_decode(logits, hotwords=[\"speechocean\"], output_word_offsets=True)  # per-call beam options\n"
        "```"
    ) if has_lm else ""  # fmt: skip
    usage = (
        "With the `uomni-hf` package installed:\n\n```python\n"
        "import torch, uomni_hf  # uomni_hf registers AuT-Tiny with the Auto classes\n"
        "from transformers import AutoModel, AutoModelForCTC, AutoProcessor, pipeline\n\n"
        f'asr = pipeline("automatic-speech-recognition", model="{reference}")  # greedy CTC\n'
        'print(asr("speech.wav")["text"])  # any file ffmpeg reads; long audio: chunk_length_s=20\n\n'
        f'processor = AutoProcessor.from_pretrained("{reference}")\n'
        f'model = AutoModelForCTC.from_pretrained("{reference}")\n'
        'inputs = processor(audio=waveform, sampling_rate=16000, return_tensors="pt")  # mono float array\n'
        "with torch.inference_mode():\n    logits = model(**inputs).logits\n"
        "processor.batch_decode(logits).text  # beam search with language_model/ when loaded, else greedy\n"
        "processor.batch_decode(logits, use_language_model=False).text  # greedy CTC\n\n"
        f'encoder = AutoModel.from_pretrained("{reference}")  # encoder + projector, no CTC head\n'
        "encoder(**inputs).projected_embeddings  # (batch, frames, "
        f"{config.projector_dim}) at 12.5 per second, for the Thinker\n```\n\n"
        "Without the package, the folder's own code loads with `trust_remote_code=True` (read it first, or pin a "
        "revision): `AutoProcessor`, `AutoModelForCTC`, `AutoModel` and `pipeline(..., trust_remote_code=True)`."
        + lm_usage
    )  # fmt: skip

    train = reports.get("train") or {}
    sources = train.get("hours_per_source", {})
    data = ""
    if train:
        data = (f"The run's training split: {train['utterances']:,} utterances, {train['hours']:.2f} h per epoch, "
                + (f"{train['ctc_infeasible']} dropped as CTC-infeasible (more labels than 12.5 Hz output frames)"
                   if train.get("ctc_infeasible") else "none of them CTC-infeasible") + ".")  # fmt: skip
    if sources:
        data += ("\n\n| training folder | hours per epoch (each repeat counted) |\n|---|---|\n"
                 + "\n".join(f"| `{source}` | {hours:.2f} |" for source, hours in sources.items()))  # fmt: skip
    data = "\n\n".join(filter(None, [data.strip(), notes_for.get("Training data")])) or "Not recorded."
    procedure = "\n\n".join(filter(None, [f"```bash\n{command}\n```", provenance, notes_for.get("Training procedure")]))

    card_data = ModelCardData(
        language=["en"],
        license="apache-2.0",
        library_name="transformers",
        pipeline_tag="automatic-speech-recognition",
        tags=["uomni-hf", "aut-tiny", "ctc", "speech-recognition"],
        datasets=sorted({hub_id for source in sources for hub_id in eval_set(source).trained_on}) or None,
        metrics=["wer", "cer"],
        model_name=Path(reference).name,
        eval_results=eval_results(metrics, eval_split) or None,
    )
    evaluation = _evaluation(metrics, reports, eval_split)
    body = [
        f"# AuT-Tiny CTC ({Path(reference).name})\n",
        section("Model description", "\n\n".join(filter(None, [description, notes_for.get("Model description")]))),
        section(LIMITATIONS, *limitations),
        section("How to use", usage),
        section("Training data", data),
        section("Training procedure", procedure),
        section("Evaluation", "\n\n".join(filter(None, [evaluation, notes_for.get("Evaluation")]))),
        *(section(h, b, f) for h, b, f in hand_written),
    ]  # fmt: skip
    if free_notes:
        body.append(section("Notes", free_notes))
    # What the run measured, exactly, for rewriting this card later (`card_inputs`); not shown on the Hub.
    record = json.dumps({"metrics": metrics, "reports": reports}, sort_keys=True, separators=(",", ":"), default=float)
    body.append(RECORD_START + record.replace("--", "-\\u002d") + RECORD_END + "\n")  # no "--" inside a comment
    card = ModelCard(f"---\n{card_data.to_yaml()}\n---\n\n" + "\n".join(body))
    card.save(output_file or Path(output_dir) / "README.md")
    return card


# Reading a card back (for rewriting it with new results outside a run).


def _table_rows(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in text.splitlines()
            if line.startswith("|") and not line.startswith("|---")]  # fmt: skip


def card_inputs(card_text: str) -> dict:
    """What a card written by `write_model_card` (this version or an earlier one) says about its run: `reports`,
    `metrics`, `command` (as printed, notes placeholder included) and `provenance`."""
    metrics, reports, sources = {}, {}, {}
    record = re.search(re.escape(RECORD_START) + r"(.*?)" + re.escape(RECORD_END), card_text)
    if record:
        recorded = json.loads(record.group(1))
        metrics, reports = recorded["metrics"], recorded["reports"]
    for row in _table_rows(card_text) if not record else []:  # cards of earlier versions: their tables
        if len(row) == 2 and re.fullmatch(r"(eval|test)_\S+", row[0]) and re.fullmatch(r"-?[\d.]+(e-?\d+)?", row[1]):
            metrics[row[0]] = float(row[1])
        elif len(row) == 4 and re.fullmatch(r"\d+", row[1]) and re.fullmatch(r"[\d.]+", row[2]) and row[3].isdigit():
            reports[row[0]] = {"utterances": int(row[1]), "hours": float(row[2]), "ctc_infeasible": int(row[3])}
        elif len(row) == 2 and re.fullmatch(r"`[^`]+`", row[0]) and re.fullmatch(r"[\d.]+", row[1]):
            sources[row[0].strip("`")] = float(row[1])
    for source, hours in re.findall(r"^- train from `([^`]+)`: ([\d.]+) h", card_text, flags=re.M):  # earlier cards
        sources[source] = float(hours)
    if sources and "train" in reports and not record:
        reports["train"]["hours_per_source"] = sources
    _, sections = _sections(card_text)
    procedure = sections.get("Training procedure") or sections.get("Training command") or ""
    command = re.search(r"```bash\n(.*?)\n```", procedure, flags=re.S)
    provenance = re.search(r"^Shipped from step .*?(?:\n\n|\Z)", card_text, flags=re.M | re.S)
    return {
        "reports": reports,
        "metrics": metrics,
        "command": shlex.split(command.group(1)) if command else None,
        "provenance": provenance.group(0).strip() if provenance else None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m uomni_hf.training.model_card", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("folder", help="a saved AuT-Tiny CTC folder")
    parser.add_argument("--from_card", default=None, help="the card whose run to describe (default: FOLDER/README.md)")
    parser.add_argument("--results", nargs="*", default=[], help="JSON files of test_<set>_<kind> metrics to add")
    parser.add_argument("--notes_file", default=None, help="the run's notes (default: the card's own Notes)")
    parser.add_argument("--sections", default=None, help="hand-written sections about these weights (markdown)")
    parser.add_argument("--model_reference", default=None, help="what the usage examples load (default: FOLDER)")
    parser.add_argument("--output", default=None, help="where to write (default: FOLDER/README.md)")
    parser.add_argument("--command", default=None,
                        help="the run's command line, where the card does not show it (else the card's is kept)")
    parser.add_argument("--provenance", default=None,
                        help="which weights these are, starting 'Shipped from step N' (else the card's is kept), e.g. "
                             "after averaging the run's step with other weights")
    args = parser.parse_args(argv)
    if args.provenance is not None and not args.provenance.startswith("Shipped from step "):
        parser.error("--provenance must start with 'Shipped from step ' (the card reads it back from there)")

    from uomni_hf import AuTTinyForCTC

    card_file = Path(args.from_card or Path(args.folder) / "README.md")
    text = card_file.read_text(encoding="utf-8") if card_file.is_file() else ""
    inputs = card_inputs(text)
    for file in args.results:
        inputs["metrics"].update(json.loads(Path(file).read_text()))
    if args.notes_file:
        notes = Path(args.notes_file).read_text(encoding="utf-8").strip()
    else:
        notes = _sections(text)[1].get("Notes", "").replace(inputs["provenance"] or "\0", "").strip() or None
    command = shlex.split(args.command) if args.command else inputs["command"]
    provenance = args.provenance or inputs["provenance"]
    if not command:  # never this tool's own command line in place of the run's
        parser.error(f"{card_file} shows no training command: give the run's with --command")
    if notes:  # the printed placeholder stands for these notes
        command = [notes if arg == NOTES_PLACEHOLDER or arg == "<the Notes below>" else arg for arg in command]
    sections = Path(args.sections).read_text(encoding="utf-8") if args.sections else None
    model = AuTTinyForCTC.from_pretrained(args.folder)
    write_model_card(args.folder, model, inputs["reports"], inputs["metrics"], notes=notes, command=command,
                     model_reference=args.model_reference, provenance=provenance, current_sections=sections,
                     output_file=args.output)  # fmt: skip
    print(f"wrote {args.output or Path(args.folder) / 'README.md'}")


if __name__ == "__main__":
    main()
