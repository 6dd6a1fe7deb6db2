"""Bad input, tried systematically: every case is a clear error naming the problem, or documented behaviour."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from transformers import pipeline

from uomni_hf import AuTTinyConfig, AuTTinyForCTC, AuTTinyModel

from .conftest import random_audio


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory, processor, tokenizer) -> Path:
    folder = tmp_path_factory.mktemp("model")
    torch.manual_seed(0)
    AuTTinyForCTC(AuTTinyConfig(vocab_size=len(tokenizer), num_hidden_layers=1)).save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def asr(model_folder):
    return pipeline("automatic-speech-recognition", model=str(model_folder))


# --- feature extractor and processor ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "audio, sampling_rate, match",
    [
        (random_audio(1.0), 44100, "44100 Hz.*16000"),
        (np.zeros((16000, 2), np.float32), 16000, "multi-channel"),
        ([np.zeros((2, 16000), np.float32)], 16000, "mono"),
        (np.zeros(0, np.float32), 16000, "empty"),
        (np.array([0.1, np.nan], np.float32), 16000, "NaN"),
        (np.array([0.1, -np.inf], np.float32), 16000, "infinite"),
    ],
)
def test_feature_extractor_and_processor_reject_bad_audio(feature_extractor, processor, audio, sampling_rate, match):
    with pytest.raises(ValueError, match=match):
        feature_extractor(audio, sampling_rate=sampling_rate)
    with pytest.raises(ValueError, match=match):
        processor(audio=audio, sampling_rate=sampling_rate, text="one")


def test_audio_shorter_than_one_output_frame_gives_one_frame(feature_extractor, model_folder):
    """Documented: any non-empty audio gives 1 + samples // 160 mel frames, hence at least one output frame."""
    features = feature_extractor(random_audio(0.001), sampling_rate=16000, return_tensors="pt")
    assert features["input_features"].shape == (1, 1, 128)
    model = AuTTinyForCTC.from_pretrained(model_folder).eval()
    assert model(**features).logits.shape[1] == 1


def test_int16_float64_and_clipping_loud_audio_give_finite_matching_features(feature_extractor):
    audio = random_audio(1.0)
    reference = feature_extractor(audio, sampling_rate=16000, return_tensors="np")["input_features"]
    as_int16 = feature_extractor((audio * 32767).astype(np.int16), sampling_rate=16000, return_tensors="np")
    as_float64 = feature_extractor(audio.astype(np.float64), sampling_rate=16000, return_tensors="np")
    loud = feature_extractor(np.clip(audio * 1000, -50, 50), sampling_rate=16000, return_tensors="np")
    np.testing.assert_allclose(as_int16["input_features"], reference, atol=5e-2)  # 16-bit quantization noise
    np.testing.assert_allclose(as_float64["input_features"], reference, atol=1e-5)
    assert np.isfinite(loud["input_features"]).all()  # clipped audio is distorted, but features stay finite


# --- model ----------------------------------------------------------------------------------------------------------


def test_model_rejects_wrong_mel_bins_and_mask_length(model_folder):
    model = AuTTinyModel.from_pretrained(model_folder).eval()
    with pytest.raises(ValueError, match="128"):
        model(torch.randn(1, 50, 80))
    with pytest.raises(ValueError, match="attention_mask"):
        model(torch.randn(2, 50, 128), attention_mask=torch.ones(2, 40))


def test_labels_longer_than_output_frames_warn_and_get_zero_loss(model_folder, caplog):
    model = AuTTinyForCTC.from_pretrained(model_folder).eval()
    features = torch.randn(2, 16, 128)  # 2 output frames
    labels = torch.tensor([[3, 4, 5, 6], [3, -100, -100, -100]])
    with caplog.at_level("WARNING"):
        loss = model(features, labels=labels).loss
    assert "1 of 2 utterances have more CTC labels than output frames" in caplog.text
    assert torch.isfinite(loss)
    alone = model(features[1:], labels=labels[1:, :1]).loss
    torch.testing.assert_close(loss, alone / 2)  # the infeasible one contributes zero to the batch mean


def test_token_ids_outside_the_vocabulary(model_folder, tokenizer):
    model = AuTTinyForCTC.from_pretrained(model_folder).eval()
    with pytest.raises(ValueError, match="vocab_size"):
        model(torch.randn(1, 64, 128), labels=torch.tensor([[3, 10_000]]))
    with pytest.raises(ValueError, match="outside the tokenizer's vocabulary"):
        tokenizer.decode([3, len(tokenizer) + 5])


def test_config_vocab_size_disagreeing_with_the_tokenizer_is_caught(tmp_path, processor, tokenizer):
    """A folder whose model predicts ids the tokenizer does not have fails at decoding, naming the mismatch."""
    model = AuTTinyForCTC(AuTTinyConfig(vocab_size=len(tokenizer) + 50, num_hidden_layers=1)).eval()
    with torch.no_grad():
        model.lm_head.bias[len(tokenizer) + 10] = 100.0  # always predict an id past the tokenizer's end
    model.save_pretrained(tmp_path)
    processor.save_pretrained(tmp_path)
    asr = pipeline("automatic-speech-recognition", model=str(tmp_path))
    with pytest.raises(ValueError, match="config.vocab_size probably disagrees"):
        asr(random_audio(1.0))


def test_training_script_rejects_a_checkpoint_whose_vocab_disagrees(tmp_path, tokenizer):
    from uomni_hf.training import ModelArguments, build_model

    AuTTinyForCTC(AuTTinyConfig(vocab_size=len(tokenizer) + 1, num_hidden_layers=1)).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="disagree"):
        build_model(ModelArguments(model_name_or_path=str(tmp_path)), tokenizer)


# --- checkpoint files -----------------------------------------------------------------------------------------------


def test_missing_or_corrupted_weights_file(model_folder, tmp_path):
    folder = tmp_path / "copy"
    folder.mkdir()
    for file in model_folder.iterdir():
        (folder / file.name).write_bytes(file.read_bytes())
    weights = folder / "model.safetensors"
    data = weights.read_bytes()

    weights.write_bytes(data[: len(data) // 2])  # truncated: the header promises more than the file holds
    with pytest.raises(Exception, match="deserializing header"):  # safetensors' own error
        AuTTinyForCTC.from_pretrained(folder)
    weights.write_bytes(b"\x00" * 64)  # garbage
    with pytest.raises(Exception, match="deserializing header"):
        AuTTinyForCTC.from_pretrained(folder)
    weights.unlink()
    with pytest.raises(OSError, match="model.safetensors"):
        AuTTinyForCTC.from_pretrained(folder)


class _RunsCode:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('ran')",))


def test_a_pickle_that_runs_code_is_refused(model_folder, tmp_path, monkeypatch):
    """Transformers loads `pytorch_model.bin` only through torch's weights-only unpickler."""
    monkeypatch.chdir(tmp_path)
    state = dict(AuTTinyForCTC.from_pretrained(model_folder).state_dict())
    state["payload"] = _RunsCode()
    torch.save(state, tmp_path / "pytorch_model.bin")
    (tmp_path / "config.json").write_text((model_folder / "config.json").read_text())
    with pytest.raises(Exception, match="[Ww]eights only load failed|weights_only"):
        AuTTinyForCTC.from_pretrained(tmp_path, use_safetensors=False)
    assert not (tmp_path / "PWNED").exists()


# --- pipeline -------------------------------------------------------------------------------------------------------


def test_pipeline_rejects_non_audio_and_empty_files(asr, tmp_path):
    text_file = tmp_path / "notes.wav"
    text_file.write_text("this is not audio")
    with pytest.raises(ValueError, match="not in the correct format or is malformed"):
        asr(str(text_file))
    header_only = tmp_path / "empty.wav"
    sf.write(header_only, np.zeros(0, np.float32), 16000)
    with pytest.raises(ValueError):
        asr(str(header_only))
    with pytest.raises(ValueError, match="empty"):
        asr(np.zeros(0, np.float32))
    with pytest.raises(ValueError, match="NaN"):
        asr(np.full(1600, np.nan, np.float32))


def test_pipeline_transcribes_what_is_left_of_a_truncated_file(asr, tmp_path):
    """Documented: ffmpeg decodes the intact part of a truncated file; the result equals that part's transcript."""
    audio = random_audio(2.0)
    full = tmp_path / "full.wav"
    sf.write(full, audio, 16000, subtype="PCM_16")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(full.read_bytes()[: 44 + 2 * 16000])  # the header and the first second
    expected = asr({"raw": sf.read(full, dtype="float32")[0][:16000], "sampling_rate": 16000})["text"]
    assert asr(str(cut))["text"] == expected


def test_pipeline_downmixes_channels_first_stereo(asr):
    """Documented (transformers' pipeline): a (channels, samples) array is averaged to mono."""
    audio = random_audio(1.0)
    stereo = np.stack([audio, audio])
    assert asr({"raw": stereo, "sampling_rate": 16000})["text"] == asr(audio)["text"]


def test_one_hour_file_through_the_chunked_pipeline_in_bounded_memory(model_folder, tmp_path):
    """An hour of audio (ffmpeg-decoded from a file) in 30 s chunks: peak memory stays far below unchunked needs."""
    script = f"""
        import numpy as np, resource, soundfile as sf
        from transformers import pipeline
        import uomni_hf
        rng = np.random.default_rng(0)
        hour = np.tile(0.1 * rng.standard_normal(16000 * 60).astype(np.float32), 60)
        sf.write("hour.flac", hour, 16000)
        del hour
        asr = pipeline("automatic-speech-recognition", model={str(model_folder)!r})
        result = asr("hour.flac", chunk_length_s=30, stride_length_s=5, batch_size=8)
        print("PEAK_MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, len(result["text"]))
    """
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], cwd=tmp_path, capture_output=True, text=True, timeout=900
    )
    assert out.returncode == 0, out.stderr[-3000:]
    peak_mb = int(out.stdout.split("PEAK_MB")[1].split()[0])
    # The decoded hour alone is 230 MB of float32; unchunked attention over 45,000 frames would need ~24 GB.
    assert peak_mb < 2500, peak_mb
