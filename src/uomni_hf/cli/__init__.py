"""Command-line tools around a saved model: `uomni-transcribe` and `uomni-convert-checkpoint`."""
