"""The model card in the Hub's form: metadata and `model-index` that `ModelCard.load` reads back, the sections of Hub
speech-recognition cards, and rewriting a card with test results measured after the run."""

import json
from pathlib import Path

import pytest
from huggingface_hub import ModelCard

from uomni_hf.training.model_card import (
    EARLIER_WEIGHTS_NOTE,
    NOTES_PLACEHOLDER,
    RECORD_START,
    card_inputs,
    hand_written_sections,
    main,
    parse_metric,
    write_model_card,
)

REPO = Path(__file__).resolve().parents[2]
SECTIONS = ["Model description", "Intended uses and limitations", "How to use", "Training data", "Training procedure",
            "Evaluation"]  # fmt: skip
REPORTS = {
    "train": {"utterances": 12962, "hours": 23.1, "ctc_infeasible": 3,
              "hours_per_source": {"librispeech": 15.93, "so762": 4.8, "an4": 1.28, "kokoro": 3.1}},
    "eval_librispeech": {"utterances": 248, "hours": 0.84, "ctc_infeasible": 0},
    "eval_so762": {"utterances": 200, "hours": 0.23, "ctc_infeasible": 0},
}  # fmt: skip
METRICS = {
    "eval_librispeech_wer": 0.6012, "eval_librispeech_cer": 0.3, "eval_librispeech_lm_wer": 0.5,
    "eval_librispeech_loss": 2.1, "eval_so762_wer": 0.5852, "eval_so762_lm_wer": 0.49, "eval_mean_lm_wer": 0.495,
    "eval_mean_wer": 0.5932,
}  # fmt: skip


def headings(text: str) -> list[str]:
    return [line[3:] for line in text.splitlines() if line.startswith("## ")]


def results_of(card: ModelCard) -> dict:
    return {(r.dataset_type, r.dataset_split, r.metric_type, r.metric_config): r.metric_value
            for r in card.data.eval_results}  # fmt: skip


@pytest.fixture
def model(tiny_config):
    from uomni_hf import AuTTinyForCTC

    return AuTTinyForCTC(tiny_config)


def test_metric_keys_name_a_split_a_set_and_a_kind():
    assert parse_metric("eval_so762_lm_wer") == ("eval", "so762", "lm_wer")
    assert parse_metric("eval_kokoro-gen_cer") == ("eval", "kokoro-gen", "cer")
    assert parse_metric("test_wer") == ("test", "", "wer")
    assert parse_metric("test_librispeech_lm_cer") == ("test", "librispeech", "lm_cer")
    for key in ("eval_mean_lm_wer", "eval_so762_loss", "train_loss", "eval_runtime"):
        assert parse_metric(key) is None


def test_the_card_is_in_the_hubs_form_and_its_model_index_holds_the_results(model, tmp_path):
    metrics = {**METRICS, "test_wer": 0.41, "test_cer": 0.2}
    write_model_card(str(tmp_path), model, REPORTS, metrics, command=["uomni-train", "--seed", "0"])
    card = ModelCard.load(tmp_path / "README.md")
    data = card.data
    assert data.license == "apache-2.0" and data.language == ["en"] and data.library_name == "transformers"
    assert data.pipeline_tag == "automatic-speech-recognition" and data.model_name == tmp_path.name
    assert set(data.datasets) == {"openslr/librispeech_asr", "mispeech/speechocean762", "espnet/an4",
                                  "keithito/lj_speech"}  # fmt: skip
    results = results_of(card)
    assert results[("openslr/librispeech_asr", "validation", "wer", "greedy")] == 60.12
    assert results[("openslr/librispeech_asr", "validation", "wer", "lm")] == 50.0
    assert results[("openslr/librispeech_asr", "validation", "cer", "greedy")] == 30.0
    assert results[("mispeech/speechocean762", "validation", "wer", "lm")] == 49.0
    assert results[("audiofolder", "test", "wer", "greedy")] == 41.0  # a run's own test split
    assert len(results) == 7  # no losses, no means: those are no data set's
    assert all(r.task_type == "automatic-speech-recognition" for r in data.eval_results)
    assert headings(card.text) == SECTIONS
    evaluation = card.text.split("## Evaluation")[1]
    assert "| 248 | 60.1 | 30.0 | 50.0 |" in evaluation and "`eval_mean_lm_wer` 49.50 %" in evaluation
    assert "uomni-train --seed 0" in card.text.split("## Training procedure")[1]
    assert "| `librispeech` | 15.93 |" in card.text.split("## Training data")[1]


def test_notes_go_to_the_sections_they_name_and_the_command_shows_a_placeholder(model, tmp_path):
    notes = ("Loose text.\n\n## Training data\n\nLibriSpeech (CC BY 4.0).\n\n## Training procedure\n\nContinue with "
             "`bash run.sh`.\n\n## Something else\n\nMore.")  # fmt: skip
    command = ["uomni-train", "--model_card_notes", notes, "--seed", "0"]
    card = write_model_card(str(tmp_path), model, REPORTS, METRICS, notes=notes, command=command,
                            provenance="Shipped from step 500.").text  # fmt: skip
    assert headings(card) == [*SECTIONS, "Notes"]
    assert "LibriSpeech (CC BY 4.0)." in card.split("## Training data")[1].split("## Training procedure")[0]
    procedure = card.split("## Training procedure")[1].split("## Evaluation")[0]
    assert f"--model_card_notes '{NOTES_PLACEHOLDER}' --seed 0" in procedure
    assert procedure.index("--seed 0") < procedure.index("Shipped from step 500.") < procedure.index("bash run.sh")
    assert "Loose text." in card.split("## Notes")[1] and "### Something else" in card.split("## Notes")[1]
    assert card.count("LibriSpeech (CC BY 4.0).") == 1


def test_rewriting_for_new_weights_keeps_hand_written_sections_and_moves_earlier_test_results(model, tmp_path):
    first = write_model_card(str(tmp_path), model, REPORTS, {**METRICS, "test_so762_lm_wer": 0.495},
                             current_sections="## Intended uses and limitations\n\nFails on children: 60 %.\n\n"
                                              "## Language model\n\nalpha 0.6")  # fmt: skip
    assert EARLIER_WEIGHTS_NOTE not in first.text  # about these weights: not flagged
    kept = hand_written_sections(first.content)
    assert "Fails on children: 60 %." in kept and "alpha 0.6" in kept
    assert "## Test results of earlier weights" in kept and "49.5" in kept

    new_metrics = {"eval_so762_wer": 0.55, "eval_mean_wer": 0.55}
    card = write_model_card(str(tmp_path), model, REPORTS, new_metrics, kept_sections=kept).text
    assert headings(card) == [*SECTIONS, "Language model", "Test results of earlier weights"]
    assert card.count(EARLIER_WEIGHTS_NOTE) == 3 and card.count("Fails on children") == 1
    reloaded = ModelCard.load(tmp_path / "README.md")
    assert results_of(reloaded) == {("mispeech/speechocean762", "validation", "wer", "greedy"): 55.0}
    again = hand_written_sections(reloaded.content)  # a third version: nothing doubles
    assert again.count("## Test results of earlier weights") == 1 and EARLIER_WEIGHTS_NOTE not in again


def test_a_card_rewritten_at_a_later_step_holds_only_its_own_record(model, tmp_path):
    # A run rewrites the card at every better step. The earlier card's record follows its last section; kept with a
    # hand-written section it rode along, and reading the card back found the earlier step's metrics first.
    first = write_model_card(str(tmp_path), model, REPORTS, METRICS, current_sections="## Language model\n\nalpha 0.6")
    kept = hand_written_sections(first.content)
    assert RECORD_START not in kept and "alpha 0.6" in kept
    later = {**METRICS, "eval_mean_lm_wer": 0.45}
    card = write_model_card(str(tmp_path), model, REPORTS, later, kept_sections=kept).content
    assert card.count(RECORD_START) == 1
    assert card_inputs(card)["metrics"]["eval_mean_lm_wer"] == 0.45


EARLIER_CARD = """---
language:
- en
---

# AuT-Tiny CTC

## Evaluation

| test set | greedy WER |
|---|---|
| speechocean762 `test` | 60.9 % |

## Language model

alpha 0.6

## Data

| split | utterances | hours | CTC-infeasible |
|---|---|---|---|
| train | 27221 | 34.26 | 4 |
| eval_so762 | 200 | 0.23 | 0 |

Training hours per source, after filtering:

- train from `so762`: 7.93 h (each repeat of a folder counted)

## Metrics

| metric | value |
|---|---|
| eval_mean_wer | 0.5096 |
| eval_so762_wer | 0.5852 |

## Training command

```bash
python -m uomni_hf.training --seed 11 --model_card_notes '<the Notes below>'
```

## Notes

Shipped from step 3000 (epoch 3.53) of the run, the best so far by `mean_wer` = 0.5096.

**Data and credits.** speechocean762 (CC BY 4.0).
"""


def test_cards_of_earlier_versions_are_read_back():
    inputs = card_inputs(EARLIER_CARD)
    assert inputs["metrics"] == {"eval_mean_wer": 0.5096, "eval_so762_wer": 0.5852}
    assert inputs["reports"]["train"] == {"utterances": 27221, "hours": 34.26, "ctc_infeasible": 4,
                                          "hours_per_source": {"so762": 7.93}}  # fmt: skip
    assert inputs["reports"]["eval_so762"]["utterances"] == 200
    assert inputs["command"] == ["python", "-m", "uomni_hf.training", "--seed", "11", "--model_card_notes",
                                 "<the Notes below>"]  # fmt: skip
    assert inputs["provenance"].startswith("Shipped from step 3000") and "Data and credits" not in inputs["provenance"]
    kept = hand_written_sections(EARLIER_CARD)  # their Evaluation was hand-written
    assert "## Evaluation of earlier weights" in kept and "60.9 %" in kept and "## Language model" in kept
    assert "## Metrics" not in kept and "## Data" not in kept


def test_a_card_is_rewritten_with_test_results_measured_after_the_run(model, tmp_path):
    folder = tmp_path / "model"
    model.save_pretrained(folder)
    (folder / "README.md").write_text(EARLIER_CARD)
    results = tmp_path / "test_metrics.json"
    results.write_text(json.dumps({"test_so762_wer": 0.609, "test_so762_lm_wer": 0.495, "test_an4_lm_wer": 0.3}))
    notes = tmp_path / "notes.md"
    notes.write_text("## Training data\n\nspeechocean762 (CC BY 4.0), new notes.\n")
    sections = tmp_path / "sections.md"
    sections.write_text("## Intended uses and limitations\n\nNot for children: 60.9 %.\n")
    main([str(folder), "--results", str(results), "--notes_file", str(notes), "--sections", str(sections),
          "--model_reference", "uomni/aut-tiny-ctc-en"])  # fmt: skip

    card = ModelCard.load(folder / "README.md")
    results_found = results_of(card)
    assert results_found[("mispeech/speechocean762", "test", "wer", "greedy")] == 60.9
    assert results_found[("mispeech/speechocean762", "test", "wer", "lm")] == 49.5
    assert results_found[("espnet/an4", "test", "wer", "lm")] == 30.0
    assert results_found[("mispeech/speechocean762", "validation", "wer", "greedy")] == 58.52
    assert headings(card.text) == SECTIONS
    assert "Not for children: 60.9 %." in card.text and EARLIER_WEIGHTS_NOTE not in card.text
    assert "new notes" in card.text and "Data and credits" not in card.text
    assert f"--seed 11 --model_card_notes '{NOTES_PLACEHOLDER}'" in card.text
    assert "Shipped from step 3000" in card.text.split("## Training procedure")[1]
    assert 'from_pretrained("uomni/aut-tiny-ctc-en")' in card.text
    assert "| speechocean762 (`test`: 125 speakers never in training) | test | 2,500 | 60.9 |" in card.text

    # Rewriting the new card again reads it back exactly: nothing lost, nothing doubled.
    before = (folder / "README.md").read_text()
    assert card_inputs(before)["metrics"]["test_an4_lm_wer"] == 0.3
    main([str(folder), "--notes_file", str(notes), "--sections", str(sections), "--model_reference",
          "uomni/aut-tiny-ctc-en"])  # fmt: skip
    assert (folder / "README.md").read_text() == before

    # Weights that are no longer the run's step as it was (a soup) say so, and the card keeps saying it.
    soup = "Shipped from step 3000 of the run, averaged half and half with the weights it started from."
    main([str(folder), "--provenance", soup])
    assert soup in ModelCard.load(folder / "README.md").text.split("## Training procedure")[1]
    assert card_inputs((folder / "README.md").read_text())["provenance"] == soup
    with pytest.raises(SystemExit):
        main([str(folder), "--provenance", "a soup"])


def test_the_shipped_recipes_card_stays_under_150_lines(model, tmp_path):
    """The body (below the metadata) with the run script's notes and the hand-written sections, four sets."""
    sets = {"eval": ("librispeech", "so762", "kokoro", "an4"),
            "test": ("librispeech", "so762", "an4", "kokoro-reserved", "espeak")}  # fmt: skip
    metrics = {f"{prefix}_{name}_{kind}": 0.5 for prefix, names in sets.items() for name in names
               for kind in ("wer", "cer", "lm_wer", "lm_cer")}  # fmt: skip
    notes = (REPO / "scripts" / "train_aut_tiny_en.notes.md").read_text()
    card = write_model_card(str(tmp_path), model, REPORTS, {**metrics, "eval_mean_lm_wer": 0.5}, notes=notes,
                            command=["bash", "scripts/train_aut_tiny_en.sh"], provenance="Shipped from step 4000.",
                            current_sections=(REPO / "docs" / "model_card_sections.md").read_text())  # fmt: skip
    assert headings(card.text) == SECTIONS
    assert len(card.text.strip().splitlines()) < 150
    assert len(card.data.eval_results) == 9 * 4


def test_a_card_without_a_command_needs_the_runs_and_never_shows_this_tools(model, tmp_path, capsys):
    folder = tmp_path / "model"
    model.save_pretrained(folder)
    (folder / "README.md").write_text("# A card written by hand\n")
    with pytest.raises(SystemExit):
        main([str(folder)])
    assert "--command" in capsys.readouterr().err
    main([str(folder), "--command", "bash scripts/train_aut_tiny_en.sh --seed 13"])
    procedure = ModelCard.load(folder / "README.md").text.split("## Training procedure")[1]
    assert "bash scripts/train_aut_tiny_en.sh --seed 13" in procedure and "model_card" not in procedure
