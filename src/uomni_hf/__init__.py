"""AuT-Tiny, the audio encoder of μOmni, as a Transformers model package.

Importing `uomni_hf` registers every class with the Auto classes (`AutoConfig`, `AutoModel`, `AutoModelForCTC`,
`AutoFeatureExtractor`, `AutoTokenizer`, `AutoProcessor`), and marks them for remote code so `save_pretrained` writes
`auto_map` and the code files: a saved folder then also loads with `trust_remote_code=True` where this package is not
installed.
"""

from transformers import (
    AutoConfig,
    AutoFeatureExtractor,
    AutoModel,
    AutoModelForCTC,
    AutoProcessor,
    AutoTokenizer,
)

from .configuration_aut_tiny import AuTTinyConfig
from .decoding_aut_tiny import AuTTinyLMDecoder
from .feature_extraction_aut_tiny import AuTTinyFeatureExtractor
from .modeling_aut_tiny import AuTTinyForCTC, AuTTinyModel, AuTTinyPreTrainedModel
from .processing_aut_tiny import AuTTinyProcessor
from .tokenization_aut_tiny import AuTTinyTokenizer


__version__ = "0.1.0"

AutoConfig.register(AuTTinyConfig.model_type, AuTTinyConfig, exist_ok=True)
AutoModel.register(AuTTinyConfig, AuTTinyModel, exist_ok=True)
AutoModelForCTC.register(AuTTinyConfig, AuTTinyForCTC, exist_ok=True)
AutoFeatureExtractor.register(AuTTinyConfig, AuTTinyFeatureExtractor, exist_ok=True)
AutoTokenizer.register(AuTTinyConfig, fast_tokenizer_class=AuTTinyTokenizer, exist_ok=True)
AutoProcessor.register(AuTTinyConfig, AuTTinyProcessor, exist_ok=True)

AuTTinyConfig.register_for_auto_class()
AuTTinyModel.register_for_auto_class("AutoModel")
AuTTinyForCTC.register_for_auto_class("AutoModelForCTC")
AuTTinyFeatureExtractor.register_for_auto_class("AutoFeatureExtractor")
AuTTinyTokenizer.register_for_auto_class("AutoTokenizer")
AuTTinyProcessor.register_for_auto_class("AutoProcessor")

__all__ = [
    "AuTTinyConfig",
    "AuTTinyFeatureExtractor",
    "AuTTinyForCTC",
    "AuTTinyLMDecoder",
    "AuTTinyModel",
    "AuTTinyPreTrainedModel",
    "AuTTinyProcessor",
    "AuTTinyTokenizer",
]
