"""The model card `uomni-train` writes beside the weights: what the model is, its data, metrics and command."""

import shlex
import sys
from pathlib import Path

from huggingface_hub import ModelCard, ModelCardData

GENERATED_SECTIONS = ("Data", "Metrics", "Training command", "Notes")
EARLIER_WEIGHTS_NOTE = "> Measured on an earlier version of these weights; this version's own numbers are under Metrics."


def hand_written_sections(card_text: str) -> str:
    """The `## ` sections of a card that `write_model_card` does not generate (evaluations, history, added by hand),
    so rewriting the card for new weights keeps them; fenced code blocks are not read as headings."""
    sections, current, in_code = [], None, False
    for line in card_text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("## "):
            current = [line]
            if line[3:].strip() not in GENERATED_SECTIONS:
                sections.append(current)
        elif current is not None and line != EARLIER_WEIGHTS_NOTE:
            current.append(line)
    return "\n\n".join("\n".join(section).strip() for section in sections)


def _without_notes(command: list[str], notes: str | None) -> list[str]:
    """The command with the notes' text (printed in full under Notes) shown as a placeholder, not pasted twice."""
    if not notes:
        return command
    placeholder = "<the Notes below>"
    shown = {notes: placeholder, f"--model_card_notes={notes}": f"--model_card_notes={placeholder}"}
    return [shown.get(arg, arg) for arg in command]


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
) -> ModelCard:
    """Write `output_dir/README.md`; `model_reference` is what the usage example loads (default: `output_dir`).

    `provenance` (which step of a run this is) opens the Notes; it is kept apart from `notes` so that the command's
    `--model_card_notes` argument is still recognized and shown as a placeholder.

    `kept_sections` (from `hand_written_sections` of the card being replaced) go after the usage example, flagged as
    measured on earlier weights until someone rewrites them."""
    program = ["python", "-m", "uomni_hf.training"] if sys.argv[0].endswith("__main__.py") else [Path(sys.argv[0]).name]
    command = " ".join(shlex.quote(arg) for arg in _without_notes(command or [*program, *sys.argv[1:]], notes))
    encoder_params = sum(p.numel() for p in model.model.parameters())
    data_rows = "\n".join(
        f"| {name} | {r['utterances']} | {r['hours']:.2f} | {r['ctc_infeasible']} |" for name, r in reports.items()
    )
    sources = ""
    for name, report in reports.items():
        for source, hours in report.get("hours_per_source", {}).items():
            sources += f"\n- {name} from `{source}`: {hours:.2f} h (each repeat of a folder counted)"
    if sources:
        sources = "\nTraining hours per source, after filtering:\n" + sources + "\n"
    metric_rows = "\n".join(f"| {name} | {value:.4f} |" for name, value in sorted(metrics.items()))
    data = ModelCardData(
        library_name="transformers",
        pipeline_tag="automatic-speech-recognition",
        tags=["uomni-hf", "aut-tiny", "ctc", "speech-recognition"],
        language=["en"],
    )
    kept = ""
    if kept_sections:
        heading, _, rest = kept_sections.partition("\n")
        kept = f"\n{heading}\n\n{EARLIER_WEIGHTS_NOTE}\n\n{rest.strip()}\n"
    body = f"""
# AuT-Tiny CTC

AuT-Tiny, the audio encoder of μOmni ({encoder_params / 1e6:.2f} M parameters, encoder + projector), with a
{model.config.vocab_size}-token CTC head, trained with `uomni_hf`'s `uomni-train`.

```python
import uomni_hf  # or pass trust_remote_code=True without the package
from transformers import pipeline
asr = pipeline("automatic-speech-recognition", model="{model_reference or output_dir}")
print(asr("speech.wav")["text"])
```
{kept}
## Data

| split | utterances | hours | CTC-infeasible |
|---|---|---|---|
{data_rows}

CTC-infeasible utterances (more labels than 12.5 Hz output frames) are dropped from training and kept in evaluation.
{sources}
## Metrics

| metric | value |
|---|---|
{metric_rows}

## Training command

```bash
{command}
```
"""
    notes = "\n\n".join(filter(None, [provenance, notes]))
    if notes:
        body += f"\n## Notes\n\n{notes}\n"
    card = ModelCard(f"---\n{data.to_yaml()}\n---\n{body}")
    card.save(Path(output_dir) / "README.md")
    return card
