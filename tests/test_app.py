"""The `uomni-app` web page in a real headless browser (Debian's chromium and chromium-driver, driven by selenium):
upload a file, press Transcribe, read the page. The app runs as users start it, `uomni-app --port N`, with the
shipped checkpoint; the transcript must be what the pipeline gives for the same file, and bad input must give a
readable message on the page, never a traceback."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from transformers import AutoProcessor, pipeline

from uomni_hf.cli.transcribe import SHIPPED_CHECKPOINT
from uomni_hf.corpus import SpeakerConfig, synthesize


SETUP_HINT = "run `bash scripts/setup.sh` (or `make setup`): it installs them"
TIMEOUT = 60  # seconds for any one thing the page does: CI machines are slow
SPEAKER = SpeakerConfig(accent="en-us", variant="m3", rate=150, pitch=45)
SENTENCE = "he said that the prisoner had been taken"  # tests/test_pipeline.py: recognized exactly


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Speech, and input the page must refuse with a message."""
    folder = tmp_path_factory.mktemp("app-inputs")
    speech = folder / "speech.wav"
    sf.write(speech, synthesize(SENTENCE, SPEAKER), 16000, subtype="PCM_16")
    files = {"speech": speech, "silence": folder / "silence.wav", "not_audio": folder / "notes.wav"}
    sf.write(files["silence"], np.zeros(3 * 16000, np.float32), 16000, subtype="PCM_16")
    files["not_audio"].write_text("these are notes, not a recording\n")
    files["video"] = folder / "video.mp4"  # picture only, no audio track
    _ffmpeg("-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10", "-an", str(files["video"]))
    files["video_with_speech"] = folder / "talk.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=duration=3:size=160x120:rate=10", "-i", str(speech), "-shortest",
            "-c:a", "aac", "-movflags", "+faststart", str(files["video_with_speech"]))  # fmt: skip
    files["long"] = folder / "ten-minutes.mp3"  # over the 5-minute limit; 16 kb/s keeps the upload small
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000:duration=600", "-b:a", "16k", str(files["long"]))
    return files


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """`uomni-app` on a free localhost port, in its own process, until the module's tests end."""
    script = Path(sys.executable).with_name("uomni-app")
    assert script.exists(), f"{script} is missing: install the package (`bash scripts/setup.sh`)"
    folder = tmp_path_factory.mktemp("app-server")
    port = _free_port()
    env = {**os.environ, "GRADIO_TEMP_DIR": str(folder / "uploads"), "GRADIO_ANALYTICS_ENABLED": "False"}
    log_path = folder / "app.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(script), "--model", str(SHIPPED_CHECKPOINT), "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180  # imports torch, transformers and gradio, and loads the model and the LM
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"uomni-app exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"uomni-app did not answer on {url} in 180 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    log_text = log_path.read_text()
    assert "Traceback" not in log_text, log_text[-3000:]  # bad input is handled, not crashed on


@pytest.fixture(scope="module")
def browser():
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        pytest.fail(f"the browser test needs Debian's `chromium` and `chromium-driver` (apt): {SETUP_HINT}")
    try:
        from selenium import webdriver
    except ImportError:
        pytest.fail(f"the browser test needs selenium (the `test` extra): {SETUP_HINT}")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,1600", "--mute-audio"):  # fmt: skip
        options.add_argument(argument)
    # The system driver, named explicitly: selenium then never downloads one.
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=chromedriver))
    driver.set_page_load_timeout(TIMEOUT)
    yield driver
    driver.quit()


@dataclass
class Page:
    transcript: str
    words: list[str]
    has_picture: bool
    errors: list[str]
    warnings: list[str]


def _wait(what: str, condition, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def submit(driver, url: str, path: Path, tab: str = "audio", use_lm: bool = True) -> Page:
    """Open the page afresh, upload `path` in the tab `audio` (Record or upload) or `media` (Video or other file),
    press its Transcribe button, and wait for a transcript or a message."""
    from selenium.webdriver.common.by import By

    driver.get(url)
    upload_selector = "#audio-input input[type=file]" if tab == "audio" else "#media-input input[type=file]"
    _wait("the page", lambda: driver.find_elements(By.ID, "transcribe-audio"))
    if tab == "media":
        button = [b for b in driver.find_elements(By.CSS_SELECTOR, "button[role=tab]") if "Video" in b.text]
        assert button, "no tab for video or other media files"
        button[0].click()
    if not use_lm:
        checkbox = driver.find_element(By.CSS_SELECTOR, "#use-lm input[type=checkbox]")
        if checkbox.is_selected():
            checkbox.click()
        _wait("the checkbox to clear", lambda: not checkbox.is_selected(), timeout=10)
    _wait("the file input", lambda: driver.find_elements(By.CSS_SELECTOR, upload_selector))[0].send_keys(str(path))

    def toasts(kind: str) -> list[str]:
        """The messages shown (visible text: empty while a toast fades in)."""
        elements = driver.find_elements(By.CSS_SELECTOR, f".toast-body.{kind} .toast-message-text")
        return [text for text in (element.text for element in elements) if text]

    # The upload is done when the component links to the uploaded file (or the page refused it with a warning).
    component = "#audio-input" if tab == "audio" else "#media-input"
    _wait(
        f"the upload of {path.name}",
        lambda: driver.find_elements(By.CSS_SELECTOR, f"{component} a[href*='{path.name}']") or toasts("warning"),
    )
    driver.find_element(By.ID, f"transcribe-{tab}").click()

    def transcript() -> str:
        return driver.find_element(By.CSS_SELECTOR, "#transcript textarea").get_attribute("value")

    _wait(f"a transcript or a message for {path.name}", lambda: transcript() or toasts("error"))
    table = driver.find_element(By.ID, "word-timestamps").text.splitlines()
    cells = table[table.index("end (s)") + 1 :] if "end (s)" in table else []
    pictures = driver.find_elements(By.CSS_SELECTOR, "#alignment img")
    return Page(
        transcript=transcript(),
        words=cells[0::3],
        has_picture=any((img.get_attribute("src") or "") for img in pictures),
        errors=toasts("error"),
        warnings=toasts("warning"),
    )


@pytest.fixture(scope="module")
def asr() -> dict[bool, object]:
    """The README's pipelines: with the folder's language model (True) and greedy (False)."""
    processor = AutoProcessor.from_pretrained(SHIPPED_CHECKPOINT)
    assert processor.decoder is not None, "the shipped checkpoint has a language model"
    with_lm = pipeline("automatic-speech-recognition", model=str(SHIPPED_CHECKPOINT), decoder=processor.decoder)
    return {True: with_lm, False: pipeline("automatic-speech-recognition", model=str(SHIPPED_CHECKPOINT))}


@pytest.mark.parametrize("use_lm", [True, False], ids=["language-model", "greedy"])
def test_uploaded_speech_gives_the_pipelines_transcript_and_word_times(app_url, browser, files, asr, use_lm):
    expected = asr[use_lm](str(files["speech"]), return_timestamps="word")
    page = submit(browser, app_url, files["speech"], use_lm=use_lm)
    assert page.errors == [] and page.warnings == []
    assert page.transcript == expected["text"] != ""
    assert page.words == [chunk["text"] for chunk in expected["chunks"]]
    assert page.has_picture


def test_a_video_with_sound_is_transcribed_from_its_audio_track(app_url, browser, files, asr):
    expected = asr[True](str(files["video_with_speech"]))["text"]
    page = submit(browser, app_url, files["video_with_speech"], tab="media")
    assert page.errors == [] and page.transcript == expected != ""


@pytest.mark.parametrize(
    "name, tab, message",
    [
        ("silence", "audio", "No speech detected"),
        ("video", "media", "video without an audio track"),
        ("long", "audio", "10 min long; the limit here is 5 min"),
        ("not_audio", "audio", "not audio that ffmpeg can read"),
    ],
)
def test_bad_input_gives_a_message_on_the_page(app_url, browser, files, name, tab, message):
    page = submit(browser, app_url, files[name], tab=tab)
    assert page.transcript == "" and not page.has_picture
    assert len(page.errors) == 1 and message in page.errors[0], page.errors
    assert "Traceback" not in page.errors[0]


def test_a_video_in_the_audio_tab_is_refused_with_a_message(app_url, browser, files):
    """Gradio's audio input takes audio types only and says so; videos go to the other tab."""
    from selenium.webdriver.common.by import By

    browser.get(app_url)
    _wait("the file input", lambda: browser.find_elements(By.CSS_SELECTOR, "#audio-input input[type=file]"))
    browser.find_element(By.CSS_SELECTOR, "#audio-input input[type=file]").send_keys(str(files["video"]))
    warnings = _wait(
        "a warning",
        lambda: [
            e.text for e in browser.find_elements(By.CSS_SELECTOR, ".toast-body.warning .toast-message-text") if e.text
        ],
    )
    assert "video.mp4" in warnings[0] and "audio" in warnings[0]
