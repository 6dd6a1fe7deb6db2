"""Rewrite an AuT-Tiny folder saved before December 2026 in the current layout.

Older folders fused the attention input projections into `qkv_proj`, named the output projection `out_proj`, and
stored `attention_window` / `rope_theta` in the config. `from_pretrained` already reads them (the weight conversion
registered in `modeling_aut_tiny`, the legacy keys in `AuTTinyConfig`); this command saves the result, so the folder
loads without any conversion and its remote code is the current one:

    uomni-convert-checkpoint old-folder new-folder      # the two may be the same folder
"""

import argparse
import shutil
import tempfile
from pathlib import Path

from ..feature_extraction_aut_tiny import AuTTinyFeatureExtractor
from ..modeling_aut_tiny import AuTTinyForCTC, AuTTinyModel
from ..processing_aut_tiny import AuTTinyProcessor


def convert_checkpoint(source: str | Path, destination: str | Path) -> None:
    source, destination = Path(source), Path(destination)
    architectures = AuTTinyForCTC.config_class.from_pretrained(source).architectures or ["AuTTinyForCTC"]
    model_class = AuTTinyModel if architectures[0] == "AuTTinyModel" else AuTTinyForCTC
    model = model_class.from_pretrained(source)
    with tempfile.TemporaryDirectory() as staging:  # write everything first: `destination` may be `source`
        model.save_pretrained(staging)
        if (source / "tokenizer_config.json").is_file():
            processor = AuTTinyProcessor.from_pretrained(source)
            # Older folders relied on the code's default; write down the value they were calibrated with.
            tokenizer = processor.tokenizer
            tokenizer.init_kwargs.setdefault("word_end_extension", tokenizer.word_end_extension)
            processor.save_pretrained(staging)
        elif (source / "preprocessor_config.json").is_file():
            AuTTinyFeatureExtractor.from_pretrained(source).save_pretrained(staging)
        if (source / "README.md").is_file():
            shutil.copy(source / "README.md", Path(staging) / "README.md")
        destination.mkdir(parents=True, exist_ok=True)
        for stale in ("model.safetensors", "pytorch_model.bin"):
            (destination / stale).unlink(missing_ok=True)
        for file in Path(staging).iterdir():
            shutil.copy(file, destination / file.name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="folder saved by an older uomni_hf")
    parser.add_argument("destination", help="where to write the converted folder (may be the source)")
    args = parser.parse_args(argv)
    convert_checkpoint(args.source, args.destination)
    print(f"converted {args.source} -> {args.destination}")


if __name__ == "__main__":
    main()
