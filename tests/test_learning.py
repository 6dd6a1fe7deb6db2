"""One real learning check: AuT-Tiny CTC overfits a handful of espeak-ng utterances until greedy decoding is exact."""

import torch

from uomni_hf import AuTTinyConfig, AuTTinyFeatureExtractor, AuTTinyForCTC, AuTTinyTokenizer
from uomni_hf.corpus import SpeakerConfig, synthesize


PHRASES = ["open the red door", "seven green apples", "where is my blue hat", "call me tomorrow morning"]


def test_ctc_model_overfits_generated_speech_to_exact_transcripts():
    speaker = SpeakerConfig(accent="en-us", variant="m1", rate=160, pitch=50)
    audio = [synthesize(text, speaker) for text in PHRASES]
    tokenizer = AuTTinyTokenizer.from_transcripts(PHRASES, vocab_size=48)
    inputs = AuTTinyFeatureExtractor()(audio, sampling_rate=16000, return_tensors="pt")
    label_rows = [tokenizer(text)["input_ids"] for text in PHRASES]
    width = max(map(len, label_rows))
    labels = torch.tensor([row + [-100] * (width - len(row)) for row in label_rows])

    torch.manual_seed(0)
    config = AuTTinyConfig(
        vocab_size=len(tokenizer),
        hidden_dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
        final_dropout=0.0,
        apply_spec_augment=False,
    )
    model = AuTTinyForCTC(config)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-3)
    decoded = []
    for step in range(400):
        model.train()
        loss = model(**inputs, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 20 == 19:
            model.eval()
            with torch.no_grad():
                decoded = tokenizer.batch_decode(model(**inputs).logits.argmax(-1))
            if decoded == PHRASES:
                break
    assert decoded == PHRASES, f"after {step + 1} steps (loss {loss.item():.3f}): {decoded}"
