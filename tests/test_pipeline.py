"""The shipped checkpoint through `pipeline("automatic-speech-recognition")`, as users call it."""

import itertools
import subprocess
import sys
from pathlib import Path

import jiwer
import numpy as np
import pytest
import soundfile as sf
import torch
from torchaudio.functional import resample
from transformers import AutoModelForCTC, AutoProcessor, pipeline

import uomni_hf
from uomni_hf import AuTTinyForCTC
from uomni_hf.corpus import SpeakerConfig, synthesize, synthesize_with_word_times, word_time_errors
from uomni_hf.cli.transcribe import SHIPPED_CHECKPOINT, load_pipeline, main as transcribe


SPEAKER = SpeakerConfig(accent="en-us", variant="m3", rate=150, pitch=45)
# In the style of the checkpoint's training text (LJ Speech), and recognized exactly in every voice tried. The
# checkpoint's WER on unseen synthetic voices is 54 % (README), so an arbitrary sentence would not be: the exact
# match is the loading test, the other tests compare transcripts with each other or allow the measured error.
SENTENCE = "he said that the prisoner had been taken"
SENTENCES = [
    "he went to the house of the president",
    "please open the window",
    "my mother is a good teacher",
    "the students are reading in the library",
    "seven eight nine ten",
    "there are many people in the park",
]


@pytest.fixture(scope="module")
def asr():
    return pipeline("automatic-speech-recognition", model=str(SHIPPED_CHECKPOINT))


@pytest.fixture(scope="module")
def sentence_audio() -> np.ndarray:
    return synthesize(SENTENCE, SPEAKER)


def test_committed_checkpoint_loads_and_transcribes_a_generated_utterance(asr, sentence_audio):
    model = AutoModelForCTC.from_pretrained(SHIPPED_CHECKPOINT)
    assert isinstance(model, AuTTinyForCTC)
    assert abs(model.model.num_parameters() - 2.05e6) < 0.05 * 2.05e6
    assert sum(f.stat().st_size for f in SHIPPED_CHECKPOINT.iterdir() if f.is_file()) < 20e6
    language_model = SHIPPED_CHECKPOINT / "language_model"  # the word n-gram beam search uses (README)
    assert sum(f.stat().st_size for f in language_model.iterdir()) <= 20e6
    assert asr(sentence_audio)["text"] == SENTENCE


def test_checkpoint_remote_code_is_the_package_code():
    """`trust_remote_code=True` runs the checkpoint's copies: they must be the package's current modules."""
    package = Path(uomni_hf.__file__).parent
    copies = sorted(SHIPPED_CHECKPOINT.glob("*_aut_tiny.py")) + [SHIPPED_CHECKPOINT / "text_normalization.py"]
    assert len(copies) == 7
    for copy in copies:
        assert copy.read_text() == (package / copy.name).read_text(), copy.name


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".mp3", ".ogg"])
def test_audio_files_in_common_formats(asr, sentence_audio, tmp_path, suffix):
    wav = tmp_path / "speech.wav"
    sf.write(wav, sentence_audio, 16000, subtype="PCM_16")
    path = tmp_path / f"speech{suffix}"
    if suffix != ".wav":
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), str(path)], check=True)
    text = asr(str(path))["text"]
    if suffix in (".wav", ".flac"):  # lossless: exactly the array's transcript
        assert text == asr(sentence_audio)["text"]
    assert jiwer.cer(SENTENCE, text) <= 0.1, text  # lossy codecs may move a character


@pytest.mark.parametrize("sampling_rate", [8000, 22050, 44100])
def test_arrays_at_other_sampling_rates_are_resampled(asr, sentence_audio, sampling_rate):
    audio = resample(torch.from_numpy(sentence_audio), 16000, sampling_rate).numpy()
    text = asr({"raw": audio, "sampling_rate": sampling_rate})["text"]
    assert text == asr(resample(torch.from_numpy(audio), sampling_rate, 16000).numpy())["text"]  # resampled to 16 kHz
    # 8 kHz keeps only the telephone band (< 4 kHz), which the model never heard in training: it costs characters.
    assert jiwer.cer(SENTENCE, text) <= (0.35 if sampling_rate == 8000 else 0.05), text


def test_a_batch_gives_the_same_text_as_one_by_one(asr):
    audio = [synthesize(text, SPEAKER) for text in SENTENCES]
    one_by_one = [asr(a)["text"] for a in audio]
    batched = [out["text"] for out in asr(audio, batch_size=4)]
    assert batched == one_by_one
    assert jiwer.wer(SENTENCES, batched) < 0.35  # measured: 0.2-0.3 on these voices


def long_speech(seconds: float) -> tuple[np.ndarray, str]:
    """The sentences with short pauses between them, repeated to `seconds`, and the matching reference transcript."""
    pause = np.zeros(4000, dtype=np.float32)
    clips = [np.concatenate([synthesize(text, SPEAKER), pause]) for text in SENTENCES]
    pieces, texts = [], []
    for index in itertools.count():
        pieces.append(clips[index % len(clips)])
        texts.append(SENTENCES[index % len(SENTENCES)])
        if sum(map(len, pieces)) >= seconds * 16000:
            return np.concatenate(pieces), " ".join(texts)


def test_sixty_seconds_chunked_is_within_two_wer_points_of_unchunked(asr):
    audio, reference = long_speech(60)
    unchunked = asr(audio)["text"]
    chunked = asr(audio, chunk_length_s=20, stride_length_s=4)["text"]
    assert abs(jiwer.wer(reference, chunked) - jiwer.wer(reference, unchunked)) <= 0.02, (chunked, unchunked)


def test_ten_minute_file_in_chunks(asr, tmp_path):
    audio, reference = long_speech(60)
    ten_minutes = np.tile(audio, 10)
    path = tmp_path / "ten_minutes.flac"
    sf.write(path, ten_minutes, 16000)
    text = asr(str(path), chunk_length_s=20, stride_length_s=4, batch_size=8)["text"]
    assert jiwer.wer(" ".join([reference] * 10), text) < 0.25


TIMESTAMP_SENTENCES = [
    "open the window and bring me seven yellow apples",
    "my brother works in a big hospital near the river",
    "please call stella and ask her to bring these things",
    "the children counted thirty stars before they slept",
]
TIMESTAMP_VOICES = [
    SPEAKER,
    SpeakerConfig(accent="en-gb", variant="f1", rate=170, pitch=55),
    SpeakerConfig(accent="en-us", variant="f2", rate=160, pitch=60),
    SpeakerConfig(accent="en-gb", variant="m1", rate=150, pitch=40),
]


def test_word_timestamps_land_within_two_output_frames():
    """Words synthesized one by one and joined with 0.3 s of silence: their true start and end times are known.
    Decoded as the README tells users to, with the folder's language model."""
    asr = load_pipeline(str(SHIPPED_CHECKPOINT))
    errors = []
    for sentence, voice in itertools.product(TIMESTAMP_SENTENCES, TIMESTAMP_VOICES):
        audio, truth = synthesize_with_word_times(sentence.split(), voice, pause_seconds=0.3)
        errors += word_time_errors(asr(audio, return_timestamps="word")["chunks"], truth)
    start_errors, end_errors = np.array(errors).T
    # Enough recognized words to measure timestamps on (a fifth of those spoken). How many isolated espeak-ng words
    # are recognized is accuracy: the thirteenth run's weights, which never heard espeak-ng and learnt AN4's spelled
    # letters, recognize a third of these (49 of 148), and often spell a lone word as letters.
    assert len(errors) >= sum(len(s.split()) for s in TIMESTAMP_SENTENCES) * len(TIMESTAMP_VOICES) / 5
    # Measured on these words: 98 % of starts and 82 % of ends within ±0.16 s (the README's timestamp benchmark:
    # 97 % and 83 %); medians 0.03 s and 0.09 s.
    within = np.mean(start_errors <= 0.16), np.mean(end_errors <= 0.16)
    assert within[0] >= 0.9 and within[1] >= 0.75, within
    assert np.median(start_errors) <= 0.08 and np.median(end_errors) <= 0.12


def test_the_last_word_ends_within_the_audio(asr, sentence_audio):
    """Speech up to the last sample: the last word's end must not pass the end of the file."""
    loud = np.flatnonzero(np.abs(sentence_audio) > 0.02 * np.abs(sentence_audio).max())
    for cut in range(0, 1280, 160):  # every position of the end within the last 80 ms output frame
        audio = sentence_audio[: loud[-1] + 1 - cut]
        chunks = asr(audio, return_timestamps="word")["chunks"]
        assert chunks and chunks[-1]["timestamp"][1] <= len(audio) / 16000, (cut, chunks[-1])


def test_char_timestamps(asr, sentence_audio):
    result = asr(sentence_audio, return_timestamps="char")
    chars = [chunk["text"] for chunk in result["chunks"]]
    assert "".join(chars) == result["text"]  # word breaks are " " chunks
    starts = [chunk["timestamp"][0] for chunk in result["chunks"]]
    assert starts == sorted(starts) and 0 <= starts[0] and starts[-1] < len(sentence_audio) / 16000


def test_command_line(tmp_path, sentence_audio, capsys):
    wav = tmp_path / "speech.wav"
    sf.write(wav, sentence_audio, 16000)
    assert transcribe([str(wav), "--timestamps"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{wav}: {SENTENCE}"
    assert [line.split()[-1] for line in lines[1:]] == SENTENCE.split()
    assert transcribe([str(wav), "--chunk-length", "5"]) == 0
    assert capsys.readouterr().out.strip().startswith(f"{wav}: ")
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("not audio")
    assert transcribe([str(not_audio)]) == 1
    assert "error" in capsys.readouterr().err


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_thinker_embeddings_example_joins_audio_and_text_embeddings():
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "thinker_embeddings.py")], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    audio_line, thinker_line = out.stdout.strip().splitlines()[-2:]
    rate = float(audio_line.split("(")[2].split()[0])  # "... -> (1, 38, 256) embeddings (12.4 per second)"
    assert ", 256) embeddings" in audio_line and 12.0 <= rate <= 13.0  # ceil(frames / 8) per second
    assert thinker_line.startswith("Thinker input: (1, ") and thinker_line.endswith("width 256")


def test_plot_alignment_example_writes_a_png(tmp_path, sentence_audio):
    wav = tmp_path / "speech.wav"
    sf.write(wav, sentence_audio, 16000)
    png = tmp_path / "alignment.png"
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "plot_alignment.py"), str(wav), "--output", str(png)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert out.stdout.strip() == f"{png}: {SENTENCE}"


# ---- with a word language model ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checkpoint_with_lm(tmp_path_factory) -> Path:
    """The shipped checkpoint with a small language model over the test sentences (not the shipped one, if any)."""
    from uomni_hf.cli.build_lm import build_language_model

    folder = tmp_path_factory.mktemp("checkpoint-with-lm")
    for file in SHIPPED_CHECKPOINT.iterdir():
        if file.is_file():
            (folder / file.name).write_bytes(file.read_bytes())
    build_language_model([SENTENCE, *SENTENCES] * 3, folder, order=3)
    return folder


def test_pipeline_decodes_with_the_processors_language_model(checkpoint_with_lm, sentence_audio):
    processor = AutoProcessor.from_pretrained(checkpoint_with_lm)
    assert processor.decoder is not None
    asr_lm = pipeline("automatic-speech-recognition", model=str(checkpoint_with_lm), decoder=processor.decoder)
    result = asr_lm(sentence_audio, return_timestamps="word")
    model = AutoModelForCTC.from_pretrained(checkpoint_with_lm).eval()
    with torch.no_grad():
        logits = model(**processor(audio=sentence_audio, sampling_rate=16000, return_tensors="pt")).logits
    expected = processor.batch_decode(logits, output_word_offsets=True)
    assert result["text"] == expected.text[0] == SENTENCE
    assert [chunk["text"] for chunk in result["chunks"]] == SENTENCE.split()
    starts = [chunk["timestamp"][0] for chunk in result["chunks"]]
    assert starts == [round(w["start_offset"] * 0.08, 2) for w in expected.word_offsets[0]]
    long = np.concatenate([sentence_audio, np.zeros(8000, np.float32), sentence_audio])
    chunked = asr_lm(long, chunk_length_s=4, stride_length_s=1)["text"]
    assert jiwer.wer(f"{SENTENCE} {SENTENCE}", chunked) <= 0.25


def test_command_line_uses_the_folders_language_model_unless_told_not_to(checkpoint_with_lm, tmp_path, monkeypatch,
                                                                          sentence_audio, capsys):
    import uomni_hf.cli.transcribe as cli

    decoders = []

    def recording_pipeline(*args, **kwargs):
        decoders.append(kwargs.get("decoder"))
        return pipeline(*args, **kwargs)

    monkeypatch.setattr(cli, "pipeline", recording_pipeline)
    wav = tmp_path / "speech.wav"
    sf.write(wav, sentence_audio, 16000)
    model = ["--model", str(checkpoint_with_lm)]
    assert transcribe([str(wav), *model, "--timestamps", "--beam-width", "16"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{wav}: {SENTENCE}" and [line.split()[-1] for line in lines[1:]] == SENTENCE.split()
    assert transcribe([str(wav), *model, "--no-lm"]) == 0
    assert capsys.readouterr().out.strip() == f"{wav}: {SENTENCE}"
    assert type(decoders[0]).__name__ == "AuTTinyLMDecoder" and decoders[1] is None
    with pytest.raises(SystemExit):
        transcribe([str(wav), *model, "--no-lm", "--hotwords", "prisoner"])
