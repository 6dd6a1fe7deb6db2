"""The training run: compiled training, resume, two processes, loss scaling, evaluation sets, the shipped folder,
the model card and the Hub."""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from transformers import TrainerCallback, pipeline

from uomni_hf.training import main, parse_args, run

from ..conftest import SMALL_MODEL, ctc_logits, train_args


def test_compiled_training_lowers_eval_loss_and_saves_a_pipeline_ready_folder(corpus, tmp_path):
    torch._dynamo.reset()
    output = tmp_path / "run"
    metrics = main(
        train_args(
            corpus, output,
            "--do_train", "--do_eval", "--test_split_name", "test",
            "--torch_compile", "--dataloader_drop_last", "--per_device_eval_batch_size", "1",
            "--max_steps", "24", "--eval_strategy", "steps", "--eval_steps", "24", "--eval_on_start",
            "--save_strategy", "no",
        )
    )  # fmt: skip
    history = json.loads((output / "trainer_state.json").read_text())["log_history"]
    eval_losses = [entry["eval_loss"] for entry in history if "eval_loss" in entry]
    assert len(eval_losses) >= 2 and eval_losses[-1] < 0.9 * eval_losses[0], eval_losses
    assert 0.0 <= metrics["eval_wer"] and 0.0 <= metrics["test_cer"]
    config = json.loads((output / "config.json").read_text())
    assert config["max_mel_length"] == 800 and config["num_hidden_layers"] == 1
    card = (output / "README.md").read_text()
    assert "--torch_compile" in card and "test_cer" in card
    assert {"model.safetensors", "tokenizer.json", "processor_config.json", "modeling_aut_tiny.py"} <= {
        p.name for p in output.iterdir()
    }

    asr = pipeline("automatic-speech-recognition", model=str(output))
    wav = sorted((corpus / "test").glob("*.wav"))[0]
    result = asr(str(wav))
    assert isinstance(result["text"], str)


@pytest.mark.parametrize("attn_implementation", ["sdpa", "eager"])
def test_inductor_compiled_training_forward_with_attention_dropout_is_finite_and_drops(attn_implementation):
    """torch 2.13's inductor on CPU turned an in-place `bernoulli_` mask on the attention probabilities into NaN
    logits (every one), so fine-tuning the shipped model (attention dropout 0.1) with --torch_compile learnt nothing."""
    from uomni_hf import AuTTinyConfig, AuTTinyForCTC

    torch._dynamo.reset()
    torch.manual_seed(0)
    config = AuTTinyConfig(num_hidden_layers=2, vocab_size=40, hidden_dropout=0.0, activation_dropout=0.0,
                           final_dropout=0.0, attention_dropout=0.3, mask_time_prob=0.0, mask_feature_prob=0.0)  # fmt: skip
    config._attn_implementation = attn_implementation
    model = AuTTinyForCTC(config)
    features, mask = torch.randn(2, 256, 128), torch.ones(2, 256, dtype=torch.long)
    expected = model.eval()(features, attention_mask=mask).logits
    if attn_implementation == "eager":  # uncompiled, the probabilities it returns show the dropout's rate
        dropped = model.train().model(features, attention_mask=mask, output_attentions=True).attentions[0] == 0
        assert 0.25 < dropped.float().mean() < 0.35
    logits = torch.compile(model.train())(features, attention_mask=mask).logits
    assert torch.isfinite(logits).all()
    assert not torch.allclose(logits, expected, atol=1e-4)  # the dropout acts
    assert (logits - expected).abs().mean() < expected.abs().mean()  # as a perturbation, not as noise


class StopAtStep(TrainerCallback):
    def __init__(self, step: int):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            control.should_training_stop = True


def test_resume_from_checkpoint_reaches_the_same_weights(corpus, tmp_path):
    # With acoustic augmentation on: its draws are seeded per (seed, epoch, example), so a resumed run draws alike.
    # Stopped mid-epoch (3 steps per epoch) with length-grouped batches: the resumed epoch must keep its order.
    common = ["--do_train", "--max_steps", "6", "--save_strategy", "steps", "--save_steps", "2",
              "--train_sampling_strategy", "group_by_length",
              "--speed_perturbation", "0.9", "1.1", "--noise_prob", "0.5", "--reverb_prob", "0.5", "--eq_prob", "0.5",
              "--num_rooms", "4", "--dataloader_num_workers", "1"]  # fmt: skip
    main(train_args(corpus, tmp_path / "straight", *common))
    interrupted = tmp_path / "interrupted"
    run(*parse_args(train_args(corpus, interrupted, *common)), callbacks=[StopAtStep(4)])
    assert json.loads((interrupted / "trainer_state.json").read_text())["global_step"] == 4
    main(train_args(corpus, interrupted, *common, "--resume_from_checkpoint", "latest"))
    assert json.loads((interrupted / "trainer_state.json").read_text())["global_step"] == 6
    straight = load_file(tmp_path / "straight" / "model.safetensors")
    resumed = load_file(interrupted / "model.safetensors")
    for name in straight:
        torch.testing.assert_close(resumed[name], straight[name], atol=1e-6, rtol=1e-5, msg=name)


WORKER = """
import os, sys, torch
from uomni_hf.training import parse_args, run
trainer, _ = run(*parse_args(sys.argv[1:]))
state = {k: v.detach().cpu() for k, v in trainer.model.state_dict().items()}
torch.save(state, os.path.join(sys.argv[sys.argv.index("--output_dir") + 1], f"rank{os.environ['RANK']}.pt"))
"""


def test_two_processes_with_torchrun_end_with_identical_weights(corpus, tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    output = tmp_path / "ddp"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        str(script), *train_args(corpus, output, "--do_train", "--max_steps", "4", "--save_strategy", "no",
                                 "--ddp_backend", "gloo", "--use_cpu"),
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-4000:]
    rank0, rank1 = torch.load(output / "rank0.pt"), torch.load(output / "rank1.pt")
    assert rank0.keys() == rank1.keys()
    for name in rank0:
        torch.testing.assert_close(rank0[name], rank1[name], msg=name)
    state = json.loads((output / "trainer_state.json").read_text())
    assert state["global_step"] == 4
    # The loss is a mean over utterances, not multiplied by the number of processes: it matches one process with
    # the same global batch (not to the last digit: accelerate shards the sampled batches differently, so the two
    # runs see other utterances; a loss scaled by the world size would be 2x).
    one = tmp_path / "one"
    main(train_args(corpus, one, "--do_train", "--max_steps", "4", "--save_strategy", "no",
                    "--per_device_train_batch_size", "16", "--use_cpu"))  # fmt: skip
    single = json.loads((one / "trainer_state.json").read_text())["log_history"]
    distributed = state["log_history"]
    assert distributed[0]["step"] == single[0]["step"] == 2
    assert distributed[0]["loss"] == pytest.approx(single[0]["loss"], rel=0.05)


NO_NOISE = (
    "num_hidden_layers=1,intermediate_size=256,hidden_dropout=0.0,attention_dropout=0.0,activation_dropout=0.0,"
    "final_dropout=0.0,apply_spec_augment=False"
)
ONE_SGD_STEP = [
    "--do_train", "--max_steps", "1", "--save_strategy", "no", "--logging_steps", "1", "--config_overrides", NO_NOISE,
    "--optim", "sgd", "--learning_rate", "0.5", "--weight_decay", "0", "--max_grad_norm", "0",
    "--lr_scheduler_type", "constant", "--warmup_steps", "0",
]  # fmt: skip


def test_gradient_accumulation_gives_the_loss_and_gradients_of_the_full_batch(corpus, tmp_path):
    """Trainer must average over accumulation steps itself: the CTC loss is already a per-utterance mean."""
    runs = {}
    for name, batch, accumulation in (("full", "4", "1"), ("accumulated", "2", "2")):
        trainer, _ = run(*parse_args(train_args(corpus, tmp_path / name, *ONE_SGD_STEP,
                                                "--per_device_train_batch_size", batch,
                                                "--gradient_accumulation_steps", accumulation)))  # fmt: skip
        runs[name] = trainer
    losses = {name: t.state.log_history[0]["loss"] for name, t in runs.items()}
    assert losses["accumulated"] == pytest.approx(losses["full"], rel=1e-4), losses
    full, accumulated = (dict(t.model.named_parameters()) for t in runs.values())
    for name, parameter in full.items():  # one SGD step: equal weights mean equal gradients
        torch.testing.assert_close(accumulated[name], parameter, atol=1e-6, rtol=1e-4, msg=name)


def test_nothing_to_do_is_an_error_that_says_what_is_missing(corpus, tmp_path):
    with pytest.raises(ValueError, match="--do_train.*--do_eval"):
        main(train_args(corpus, tmp_path / "idle"))


def test_several_evaluation_sets_are_reported_apart_and_the_best_checkpoint_is_shipped(corpus, tmp_path):
    ship = tmp_path / "shipped"
    other = tmp_path / "other_voices"
    (other / "validation").mkdir(parents=True)
    for file in (corpus / "test").iterdir():  # a second evaluation set, under its own name
        (other / "validation" / file.name).symlink_to(file)
    metrics = main(train_args(
        corpus, tmp_path / "run", "--do_train", "--do_eval", "--max_steps", "4", "--extra_eval_data_dirs", str(other),
        "--eval_strategy", "steps", "--eval_steps", "2", "--save_strategy", "steps", "--save_steps", "2",
        "--metric_for_best_model", "mean_wer", "--greater_is_better", "false", "--ship_best_to", str(ship),
    ))  # fmt: skip
    corpus_name = corpus.name
    for name in (corpus_name, "other_voices"):
        assert 0 <= metrics[f"eval_{name}_wer"]
    mean = (metrics[f"eval_{corpus_name}_wer"] + metrics["eval_other_voices_wer"]) / 2
    assert metrics["eval_mean_wer"] == pytest.approx(mean)
    state = json.loads((tmp_path / "run" / "trainer_state.json").read_text())
    best_step = state["best_global_step"]
    best = load_file(tmp_path / "run" / f"checkpoint-{best_step}" / "model.safetensors")
    shipped = load_file(ship / "model.safetensors")
    for name in best:
        torch.testing.assert_close(shipped[name], best[name], msg=name)
    card = (ship / "README.md").read_text()
    assert f"Shipped from step {best_step}" in card and "mean_wer" in card
    assert pipeline("automatic-speech-recognition", model=str(ship))(str(sorted((corpus / "test").glob("*.wav"))[0]))


def test_report_only_evaluation_sets_are_reported_but_stay_out_of_the_mean(tmp_path, monkeypatch):
    """Synthetic validation sets are watched beside the real ones, but only the real ones choose the checkpoint."""
    from transformers import Trainer, TrainingArguments

    from uomni_hf import AuTTinyConfig, AuTTinyForCTC
    from uomni_hf.training.run import CTCTrainer, _eval_folders

    wers = {"librispeech": 0.5, "so762": 0.7, "kokoro": 0.1}
    monkeypatch.setattr(Trainer, "evaluate", lambda self, *args, **kwargs: {
        f"eval_{name}_{metric}": wer for name, wer in wers.items() for metric in ("wer", "lm_wer")})  # fmt: skip
    trainer = CTCTrainer(
        model=AuTTinyForCTC(AuTTinyConfig(num_hidden_layers=1, vocab_size=40)),
        args=TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to="none"),
        eval_dataset={name: [0] for name in wers},
        report_only_eval_sets=("kokoro",),
    )
    metrics = trainer.evaluate()
    assert metrics["eval_mean_wer"] == pytest.approx(0.6) and metrics["eval_mean_lm_wer"] == pytest.approx(0.6)
    assert metrics["eval_kokoro_wer"] == 0.1  # still reported

    data_args = parse_args(["--output_dir", str(tmp_path), "--data_dir", "runs/librispeech",
                            "--report_eval_data_dirs", "runs/kokoro"])[1]  # fmt: skip
    assert _eval_folders(data_args) == {"eval_librispeech": "runs/librispeech", "eval_kokoro": "runs/kokoro"}


def test_lm_metrics_decode_each_utterance_of_a_padded_batch_with_the_language_model(lm_folder, tokenizer):
    from transformers import EvalPrediction

    from uomni_hf import AuTTinyLMDecoder
    from uomni_hf.training.run import log_softmax_logits, make_compute_metrics

    decoder = AuTTinyLMDecoder.from_dir(lm_folder / "language_model", tokenizer)
    decoder.options = decoder.options.replace(beta=4.0)  # a word bonus that would fill frames of -100 with words
    misspelt = ctc_logits(tokenizer, [("the brown fox", 0.4), ("the brewn fox", 0.6)])
    clear = ctc_logits(tokenizer, [("peter has a brown fox", 1.0)])
    # The model's padded frames are blank with certainty; Trainer pads the batch to one length with -100.
    frames = max(len(misspelt), len(clear)) + 6
    padded = np.full((frames, misspelt.shape[1]), np.finfo(np.float32).min, dtype=np.float32)
    padded[:, tokenizer.blank_token_id] = 0.0
    padded[: len(misspelt)] = misspelt
    first = log_softmax_logits(torch.from_numpy(padded), None).numpy()
    second = np.full_like(first, -100.0)
    second[: len(clear)] = clear
    labels = [tokenizer("the brown fox")["input_ids"], tokenizer("peter has a brown fox")["input_ids"]]
    label_ids = np.full((2, max(map(len, labels))), -100)
    for row, ids in zip(label_ids, labels):
        row[: len(ids)] = ids
    prediction = EvalPrediction(predictions=np.stack([first, second]), label_ids=label_ids)

    metrics = make_compute_metrics(tokenizer, decoder)(prediction)
    assert metrics["wer"] == pytest.approx(1 / 8)  # greedy reads "brewn"
    assert metrics["lm_wer"] == 0.0 and metrics["lm_cer"] == 0.0  # the language model reads "brown"
    greedy_ids = np.where(np.isclose(prediction.predictions, -100).all(-1), -100, prediction.predictions.argmax(-1))
    assert make_compute_metrics(tokenizer)(EvalPrediction(greedy_ids, label_ids))["wer"] == metrics["wer"]


def test_evaluation_with_a_language_model_reports_and_ships_by_its_mean_wer(corpus, lm_folder, tmp_path):
    ship, other = tmp_path / "shipped", tmp_path / "other_voices"
    (other / "validation").mkdir(parents=True)
    for file in (corpus / "test").iterdir():
        (other / "validation" / file.name).symlink_to(file)
    metrics = main(train_args(
        corpus, tmp_path / "run", "--do_train", "--do_eval", "--max_steps", "4", "--extra_eval_data_dirs", str(other),
        "--eval_strategy", "steps", "--eval_steps", "2", "--save_strategy", "steps", "--save_steps", "2",
        "--eval_language_model", str(lm_folder), "--metric_for_best_model", "mean_lm_wer",
        "--greater_is_better", "false", "--ship_best_to", str(ship),
    ))  # fmt: skip
    names = (corpus.name, "other_voices")
    for name in names:
        assert 0 <= metrics[f"eval_{name}_lm_wer"] and 0 <= metrics[f"eval_{name}_wer"]
    assert metrics["eval_mean_lm_wer"] == pytest.approx(np.mean([metrics[f"eval_{n}_lm_wer"] for n in names]))
    assert metrics["eval_mean_wer"] == pytest.approx(np.mean([metrics[f"eval_{n}_wer"] for n in names]))
    assert "mean_lm_wer" in (ship / "README.md").read_text()
    with pytest.raises(ValueError, match="has no language_model/"):
        main(train_args(corpus, tmp_path / "bad", "--do_eval", "--eval_language_model", str(tmp_path)))


def test_push_to_hub_uploads_the_model_card_uomni_train_wrote(corpus, tmp_path, monkeypatch):
    from huggingface_hub import HfApi

    uploads = []

    class Repo:
        repo_id = "uomni/aut-tiny-test"

    def upload_folder(self, *, repo_id, folder_path, **kwargs):
        card = Path(folder_path) / "README.md"
        uploads.append((repo_id, Path(folder_path), card.read_text() if card.exists() else None))

    monkeypatch.setattr(HfApi, "create_repo", lambda self, repo_id, **kwargs: Repo())
    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    output = tmp_path / "pushed"
    main(train_args(corpus, output, "--do_train", "--max_steps", "2", "--save_strategy", "no", "--push_to_hub",
                    "--hub_model_id", "uomni/aut-tiny-test", "--hub_token", "hf_fake"))  # fmt: skip
    assert uploads, "nothing was uploaded"
    repo_id, folder, card = uploads[-1]
    assert repo_id == "uomni/aut-tiny-test" and folder == output
    assert "## Training procedure" in card and "--push_to_hub" in card  # ours, not Trainer's generic card
    assert card == (output / "README.md").read_text()


SHIP_ARGS = SimpleNamespace(metric_for_best_model="mean_wer", greater_is_better=False)


def best_at(step: int, best: float, start: float | None = None) -> SimpleNamespace:
    """Trainer state at a save whose checkpoint is the best so far; `start`: the --eval_on_start score."""
    history = [{"step": 0, "eval_mean_wer": start}] if start is not None else []
    return SimpleNamespace(is_world_process_zero=True, global_step=step, best_global_step=step, best_metric=best,
                           epoch=1.0, log_history=[*history, {"step": step, "eval_mean_wer": best}])  # fmt: skip


def test_the_shipped_folder_is_rewritten_only_when_the_run_beats_its_starting_weights(tiny_config, processor, tmp_path):
    """With --eval_on_start the starting weights' score is the bar (Trainer itself does not count it as a best)."""
    from uomni_hf import AuTTinyForCTC
    from uomni_hf.training.run import ShipBestCallback

    model = AuTTinyForCTC(tiny_config)
    callback = ShipBestCallback(str(tmp_path / "shipped"), processor, {"reports": {}, "notes": None, "command": ["x"]})
    callback.on_save(SHIP_ARGS, best_at(500, 0.63, start=0.62), None, model=model)
    assert not (tmp_path / "shipped").exists()  # worse than where it started: left alone
    callback.on_save(SHIP_ARGS, best_at(500, 0.60, start=0.62), None, model=model)
    assert (tmp_path / "shipped" / "model.safetensors").is_file()
    assert "0.6000" in (tmp_path / "shipped" / "README.md").read_text()


def test_rewriting_the_shipped_card_keeps_its_hand_written_sections(tiny_config, processor, tmp_path):
    """Sections added by hand (limitations, LM) survive a new best, flagged as measured on earlier weights."""
    from huggingface_hub import ModelCard

    from uomni_hf import AuTTinyForCTC
    from uomni_hf.training.model_card import DEFAULT_LIMITATIONS, EARLIER_WEIGHTS_NOTE
    from uomni_hf.training.run import ShipBestCallback

    model = AuTTinyForCTC(tiny_config)
    callback = ShipBestCallback(str(tmp_path / "shipped"), processor, {"reports": {}, "notes": "n", "command": ["x"]})
    card = tmp_path / "shipped" / "README.md"
    for step, best in ((500, 0.60), (1000, 0.55), (1500, 0.50)):
        callback.on_save(SHIP_ARGS, best_at(step, best), None, model=model)
        if step == 500:
            assert EARLIER_WEIGHTS_NOTE not in card.read_text()  # nothing hand-written yet
            text = card.read_text().replace(DEFAULT_LIMITATIONS, "| accents | 51 % |\n\n```bash\n## not a heading\n```")
            card.write_text(text + "\n## Language model\n\nalpha 0.5\n")
    text = card.read_text()
    uses = text.split("## Intended uses and limitations")[1].split("## How to use")[0]
    assert "| accents | 51 % |" in uses and "## not a heading" in uses and EARLIER_WEIGHTS_NOTE in uses
    assert text.count("## Language model") == 1 and "alpha 0.5" in text
    assert text.count(EARLIER_WEIGHTS_NOTE) == 2 and text.index("## Evaluation") < text.index("## Language model")
    assert text.count("## Evaluation") == text.count("## Training data") == text.count("## Notes") == 1
    assert "0.5000" in text and "0.5500" not in text, text  # this version's own metrics
    assert [r.metric_value for r in ModelCard.load(card).data.eval_results or []] == []  # no set's WER: the mean only


def test_the_card_prints_the_notes_once_and_the_command_points_to_them(tiny_config, tmp_path):
    from uomni_hf import AuTTinyForCTC
    from uomni_hf.training.model_card import write_model_card

    notes = "**Data.** speechocean762 (CC BY 4.0), the project's corpus.\nSecond line."
    command = ["uomni-train", "--model_card_notes", notes, "--seed", "0", f"--model_card_notes={notes}"]
    card = write_model_card(str(tmp_path), AuTTinyForCTC(tiny_config), {}, {}, notes=notes, command=command).content
    assert card.count("the project's corpus") == 1 and "Second line." in card.split("## Notes")[1]
    run_line = card.split("## Training procedure")[1].split("## Evaluation")[0]
    shown = "<the notes printed in this card>"
    assert f"--model_card_notes '{shown}' --seed 0 '--model_card_notes={shown}'" in run_line


def test_a_shipped_card_also_prints_the_notes_once(tiny_config, processor, tmp_path):
    """The ship callback adds which step it shipped to the training procedure; the command must still show the
    placeholder."""
    from uomni_hf import AuTTinyForCTC
    from uomni_hf.training.run import ShipBestCallback

    notes = "**Data.** speechocean762 (CC BY 4.0).\nSecond line."
    card_kwargs = {"reports": {}, "notes": notes, "command": ["uomni-train", "--model_card_notes", notes]}
    callback = ShipBestCallback(str(tmp_path / "shipped"), processor, card_kwargs)
    callback.on_save(SHIP_ARGS, best_at(500, 0.5), None, model=AuTTinyForCTC(tiny_config))
    card = (tmp_path / "shipped" / "README.md").read_text()
    assert card.count("speechocean762 (CC BY 4.0)") == 1
    assert "uomni-train --model_card_notes '<the notes printed in this card>'" in card
    assert "Shipped from step 500" in card.split("## Training procedure")[1].split("## Evaluation")[0]
    assert "Second line." in card.split("## Notes")[1]


def test_intermediate_and_consistency_ctc_flags_reach_the_model_and_train(corpus, tmp_path):
    trainer, _ = run(*parse_args(train_args(corpus, tmp_path / "run", "--do_train", "--max_steps", "2", "--save_strategy",
                                            "no", "--logging_steps", "1", "--intermediate_ctc_layer", "1",
                                            "--intermediate_ctc_weight", "0.4", "--consistency_ctc_weight", "0.2",
                                            "--config_overrides", SMALL_MODEL.replace("layers=1", "layers=2"))))  # fmt: skip
    config = trainer.model.config
    assert (config.intermediate_ctc_layer, config.intermediate_ctc_weight, config.consistency_ctc_weight) == (1, 0.4, 0.2)
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    assert len(losses) == 2 and all(np.isfinite(losses))
    with pytest.raises(ValueError, match="intermediate_ctc_layer"):  # checked when the model is built, not mid-run
        run(*parse_args(train_args(corpus, tmp_path / "bad", "--do_train", "--max_steps", "1",
                                   "--intermediate_ctc_layer", "9")))  # fmt: skip
