"""From speech to the Thinker's input: AuT-Tiny's 256-d embeddings (12.5 per second) joined with text embeddings.

μOmni's Thinker reads one sequence of 256-d vectors whatever their modality. This example loads the encoder alone
(`AuTTinyModel`: the CTC head is not needed) from the shipped checkpoint, embeds an utterance, and builds
`[text prompt] + [audio] + [text question]` with a stand-in text embedding table of width 256.

    python examples/thinker_embeddings.py [--model checkpoints/aut-tiny-ctc-en] [--audio speech.wav]
"""

import argparse

import numpy as np
import torch
from torch import nn
from transformers.pipelines.audio_utils import ffmpeg_read

from uomni_hf import AuTTinyFeatureExtractor, AuTTinyModel, AuTTinyTokenizer
from uomni_hf.corpus import SpeakerConfig, synthesize
from uomni_hf.cli.transcribe import default_model


def audio_embeddings(model: AuTTinyModel, feature_extractor: AuTTinyFeatureExtractor, audio: list[np.ndarray]):
    """(B, frames, 256) projected embeddings and their (B, frames) mask, at 12.5 frames per second."""
    inputs = feature_extractor(audio, sampling_rate=16000, return_tensors="pt")
    with torch.inference_mode():
        outputs = model(**inputs)
    return outputs.projected_embeddings, outputs.attention_mask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="a folder with AuT-Tiny weights (default: the shipped one)")
    parser.add_argument("--audio", default=None, help="a speech file (default: synthesized with espeak-ng)")
    args = parser.parse_args()
    model_path = args.model or default_model()

    model = AuTTinyModel.from_pretrained(model_path).eval()  # the encoder + projector of the CTC checkpoint
    feature_extractor = AuTTinyFeatureExtractor.from_pretrained(model_path)
    if args.audio:
        with open(args.audio, "rb") as file:
            audio = ffmpeg_read(file.read(), 16000)
    else:
        audio = synthesize("please describe what you hear in this recording", SpeakerConfig("en-us", "f2", 160, 50))
    speech, speech_mask = audio_embeddings(model, feature_extractor, [audio])
    seconds = len(audio) / 16000
    print(f"{seconds:.2f} s of audio -> {tuple(speech.shape)} embeddings ({speech.shape[1] / seconds:.1f} per second)")

    # A stand-in for the Thinker's text embedding table (its tokenizer and weights are not part of this package).
    text_tokenizer = AuTTinyTokenizer.from_pretrained(model_path)
    text_embedding = nn.Embedding(len(text_tokenizer), model.config.projector_dim)
    prompt = text_tokenizer("listen", return_tensors="pt")["input_ids"]
    question = text_tokenizer("what was said", return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        sequence = torch.cat([text_embedding(prompt), speech, text_embedding(question)], dim=1)
    mask = torch.cat([torch.ones_like(prompt), speech_mask, torch.ones_like(question)], dim=1)
    print(
        f"Thinker input: {tuple(sequence.shape)} = {prompt.shape[1]} prompt tokens + {speech.shape[1]} audio frames "
        f"+ {question.shape[1]} question tokens, mask {tuple(mask.shape)}, width {sequence.shape[-1]}"
    )


if __name__ == "__main__":
    main()
