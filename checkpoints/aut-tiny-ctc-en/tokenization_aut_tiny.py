"""CTC tokenizer for AuT-Tiny, on the `tokenizers` library."""

import itertools
import json
from collections.abc import Iterable

from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, trainers
from tokenizers.models import BPE, Unigram
from transformers.models.wav2vec2.tokenization_wav2vec2 import Wav2Vec2CTCTokenizer, Wav2Vec2CTCTokenizerOutput
from transformers.tokenization_utils_tokenizers import TokenizersBackend
from transformers.utils import to_py_obj


BLANK_TOKEN = "<blank>"
UNK_TOKEN = "<unk>"
WORD_MARKER = "▁"
ALPHABET = list("abcdefghijklmnopqrstuvwxyz'")


def _text_normalizer() -> normalizers.Normalizer:
    """Lower-case letters, apostrophes and single spaces: the only things CTC is trained to emit."""
    return normalizers.Sequence(
        [
            normalizers.NFKD(),
            normalizers.StripAccents(),
            normalizers.Lowercase(),
            normalizers.Replace(Regex("[^a-z' ]+"), " "),
            normalizers.Replace(Regex(" {2,}"), " "),
            normalizers.Strip(),
        ]
    )


def _canonical_unigram(backend: Tokenizer, num_special: int) -> Tokenizer:
    """Unigram training is not reproducible bit for bit: scores differ run to run in their last bits (parallel sums)
    and pieces of equal score come out in hash order, so ids and the segmentation of tied words can change. Rounding
    the scores and sorting the pieces make the same transcripts give the same ids and the same labels."""
    serialized = json.loads(backend.to_str())
    vocab = [[piece, round(score, 8)] for piece, score in serialized["model"]["vocab"]]
    serialized["model"]["vocab"] = vocab[:num_special] + sorted(vocab[num_special:], key=lambda x: (-x[1], x[0]))
    return Tokenizer.from_str(json.dumps(serialized))


class CharOffsets(list):
    """Char offsets (a plain list of dicts to any reader) that also remember how many frames were decoded, so that
    word offsets built from them later (as the ASR pipeline builds them) can keep the last word inside the audio."""

    def __init__(self, offsets: list[dict], num_frames: int):
        super().__init__(offsets)
        self.num_frames = num_frames


class AuTTinyTokenizer(TokenizersBackend):
    """
    CTC tokenizer in the style of [`ParakeetTokenizer`]: `<blank>` is both the CTC blank and the pad token (id 0),
    `decode` collapses repeated ids and drops blanks, and `decode(..., output_char_offsets=True)` or
    `output_word_offsets=True` returns frame offsets shaped like [`Wav2Vec2CTCTokenizer`]'s, which the ASR pipeline
    turns into char and word timestamps.

    The vocabulary is subword (BPE or unigram, SentencePiece-style `▁` word markers) or character-level. Subword is
    the default because CTC cannot emit more labels than the encoder has frames: at 12.5 frames per second, read
    speech (12-16 characters per second) does not fit a character vocabulary, while subwords (3-5 per second) do.
    Build one with [`AuTTinyTokenizer.from_transcripts`]; load a saved one with `from_pretrained`.

    Text is normalized to lower-case letters, apostrophes and single spaces before tokenization (accents are
    stripped; digits and punctuation become word breaks, so spell numbers out first).
    """

    model_input_names = ["input_ids", "attention_mask"]
    # The ASR pipeline splits char offsets into words on this character.
    replace_word_delimiter_char = " "
    # Frames added to word ends when a saved tokenizer does not say; new tokenizers write it into their config, so
    # a saved model keeps the value it was calibrated with even if this default changes.
    default_word_end_extension = 1

    @classmethod
    def from_transcripts(
        cls,
        transcripts: Iterable[str],
        vocab_size: int = 256,
        model_type: str = "bpe",
    ) -> "AuTTinyTokenizer":
        """
        Train a vocabulary on an iterator of transcripts.

        Args:
            transcripts: any iterable of strings; they are normalized the same way the tokenizer normalizes input.
            vocab_size: target size including `<blank>` and `<unk>` (ignored for `"char"`).
            model_type: `"bpe"` (default: its training is deterministic), `"unigram"` or `"char"`.
        """
        specials = [BLANK_TOKEN, UNK_TOKEN]
        if model_type == "char":
            vocab = {token: i for i, token in enumerate(specials + [WORD_MARKER] + ALPHABET)}
            backend = Tokenizer(BPE(vocab=vocab, merges=[], unk_token=UNK_TOKEN))
        elif model_type == "unigram":
            backend = Tokenizer(Unigram())
            trainer = trainers.UnigramTrainer(
                vocab_size=vocab_size,
                special_tokens=specials,
                unk_token=UNK_TOKEN,
                initial_alphabet=ALPHABET,
                show_progress=False,
            )
        elif model_type == "bpe":
            backend = Tokenizer(BPE(unk_token=UNK_TOKEN))
            trainer = trainers.BpeTrainer(
                vocab_size=vocab_size,
                special_tokens=specials,
                initial_alphabet=ALPHABET + [WORD_MARKER],
                show_progress=False,
            )
        else:
            raise ValueError(f"`model_type` must be 'unigram', 'bpe' or 'char', got {model_type!r}.")

        backend.normalizer = _text_normalizer()
        backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement=WORD_MARKER, prepend_scheme="always")
        backend.decoder = decoders.Metaspace(replacement=WORD_MARKER, prepend_scheme="always")
        if model_type != "char":
            backend.train_from_iterator(transcripts, trainer=trainer)
        if model_type == "unigram":
            backend = _canonical_unigram(backend, num_special=len(specials))
        if backend.token_to_id(BLANK_TOKEN) != 0:
            raise RuntimeError("the CTC blank must be token 0")  # guaranteed by the special-token order above
        return cls(
            tokenizer_object=backend,
            pad_token=BLANK_TOKEN,
            unk_token=UNK_TOKEN,
            bos_token=None,
            eos_token=None,
            clean_up_tokenization_spaces=False,
            word_end_extension=cls.default_word_end_extension,
        )

    @property
    def blank_token_id(self) -> int:
        return self.pad_token_id

    @property
    def word_end_extension(self) -> int:
        """Frames added to each word's end in word offsets (see `_get_word_offsets`); set it with
        `from_pretrained(..., word_end_extension=n)`, and `save_pretrained` keeps it."""
        frames = self.init_kwargs.get("word_end_extension", self.default_word_end_extension)
        if not isinstance(frames, int) or frames < 0:
            raise ValueError(f"`word_end_extension` must be a non-negative number of frames, got {frames!r}.")
        return frames

    def normalize(self, text: str) -> str:
        """The text exactly as the tokenizer sees it (and as a perfect recognizer would decode it)."""
        return self.backend_tokenizer.normalizer.normalize_str(text)

    def _check_ids(self, token_ids: list[int]) -> None:
        out_of_range = [i for i in token_ids if not 0 <= i < len(self)]
        if out_of_range:
            raise ValueError(
                f"Token id {out_of_range[0]} is outside the tokenizer's vocabulary of {len(self)} tokens; the model's "
                "config.vocab_size probably disagrees with this tokenizer."
            )

    def _ctc_groups(self, token_ids: list[int], group_tokens: bool) -> list[tuple[int, int, int]]:
        """(id, first frame, frame after last) for each emitted token: runs collapsed, blanks dropped."""
        groups, frame = [], 0
        if group_tokens:
            runs = [(key, len(list(run))) for key, run in itertools.groupby(token_ids)]
        else:
            runs = [(token_id, 1) for token_id in token_ids]
        for token_id, length in runs:
            if token_id != self.pad_token_id:
                groups.append((token_id, frame, frame + length))
            frame += length
        return groups

    def _decode(
        self,
        token_ids: int | list[int],
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        group_tokens: bool = True,
        **kwargs,
    ) -> str:
        token_ids = [token_ids] if isinstance(token_ids, int) else token_ids
        self._check_ids(token_ids)
        emitted = [token_id for token_id, _, _ in self._ctc_groups(token_ids, group_tokens)]
        text = super()._decode(
            emitted,
            skip_special_tokens=skip_special_tokens,
            clean_up_tokenization_spaces=clean_up_tokenization_spaces,
            **kwargs,
        )
        # A lone `▁` (a word start with no letters after it, which CTC can emit) would leave two spaces in a row.
        return " ".join(text.split())

    def _char_offsets(self, token_ids: list[int], skip_special_tokens: bool, group_tokens: bool) -> CharOffsets:
        """Each character of each emitted token spans that token's frames; `▁` becomes a space (a word break)."""
        offsets = []
        special_ids = set(self.all_special_ids)
        for token_id, start, end in self._ctc_groups(token_ids, group_tokens):
            if token_id in special_ids:
                if not skip_special_tokens:
                    offsets.append({"char": self.convert_ids_to_tokens(token_id), "start_offset": start, "end_offset": end})
                continue
            piece = self.convert_ids_to_tokens(token_id)
            if piece.startswith(WORD_MARKER):
                if offsets:  # no leading space before the first word
                    offsets.append({"char": " ", "start_offset": start, "end_offset": start})
                piece = piece[len(WORD_MARKER) :]
            offsets.extend({"char": char, "start_offset": start, "end_offset": end} for char in piece)
        return CharOffsets(offsets, num_frames=len(token_ids))

    def _get_word_offsets(
        self, char_offsets: list[dict], word_delimiter_char: str = " ", num_frames: int | None = None
    ) -> list[dict]:
        """
        Word offsets from char offsets, as [`Wav2Vec2CTCTokenizer`] builds them (the ASR pipeline calls this), with each
        word's end moved `word_end_extension` frames later. CTC emits a word's last token as a short spike and then
        blanks while the word fades out, so the spike ends before the word does (see benchmarks/eval_timestamps.py
        for the shipped checkpoint). An end never passes the next word's start, and the last word ends by the start
        of the last frame: frame k covers [0.08 k, 0.08 (k + 1)) s and the last one may reach past the audio, which
        ends after 0.08 (num_frames - 1) s. `num_frames` is the decoded length (remembered by char offsets from
        `decode`, so the pipeline's own call gets it too).
        """
        words = Wav2Vec2CTCTokenizer._get_word_offsets(char_offsets, word_delimiter_char)
        num_frames = num_frames if num_frames is not None else getattr(char_offsets, "num_frames", None)
        extension = self.word_end_extension
        for index, word in enumerate(words):
            end = word["end_offset"] + extension
            if index + 1 < len(words):
                word["end_offset"] = max(word["end_offset"], min(end, words[index + 1]["start_offset"]))
            elif num_frames is not None:
                word["end_offset"] = max(word["start_offset"], min(end, num_frames - 1))
            else:
                word["end_offset"] = end
        return words

    def decode(
        self,
        token_ids,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        output_char_offsets: bool = False,
        output_word_offsets: bool = False,
        group_tokens: bool = True,
        **kwargs,
    ) -> str | Wav2Vec2CTCTokenizerOutput:
        """
        CTC-decode one sequence of frame-level ids (e.g. `logits.argmax(-1)[0]`).

        With `output_char_offsets` / `output_word_offsets`, returns a [`Wav2Vec2CTCTokenizerOutput`] whose offsets
        are in output frames; multiply by `config.inputs_to_logits_ratio / sampling_rate` for seconds. Char offsets
        are the tokens' own frames; word ends are extended by `word_end_extension` frames (see `_get_word_offsets`).
        """
        token_ids = to_py_obj(token_ids)
        text = self._decode(
            token_ids,
            skip_special_tokens=skip_special_tokens,
            clean_up_tokenization_spaces=clean_up_tokenization_spaces,
            group_tokens=group_tokens,
            **kwargs,
        )
        if not (output_char_offsets or output_word_offsets):
            return text
        token_ids = [token_ids] if isinstance(token_ids, int) else token_ids
        char_offsets = self._char_offsets(token_ids, skip_special_tokens, group_tokens)
        word_offsets = self._get_word_offsets(char_offsets, self.replace_word_delimiter_char, len(token_ids))
        return Wav2Vec2CTCTokenizerOutput(
            text=text,
            char_offsets=char_offsets if output_char_offsets else None,
            word_offsets=word_offsets if output_word_offsets else None,
        )

    def batch_decode(
        self,
        sequences,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
        output_char_offsets: bool = False,
        output_word_offsets: bool = False,
        **kwargs,
    ) -> list[str] | Wav2Vec2CTCTokenizerOutput:
        """`decode` for each sequence; with offsets, one output whose fields are lists (as Wav2Vec2CTCTokenizer)."""
        decoded = [
            self.decode(
                sequence,
                skip_special_tokens=skip_special_tokens,
                clean_up_tokenization_spaces=clean_up_tokenization_spaces,
                output_char_offsets=output_char_offsets,
                output_word_offsets=output_word_offsets,
                **kwargs,
            )
            for sequence in to_py_obj(sequences)
        ]
        if not (output_char_offsets or output_word_offsets):
            return decoded
        return Wav2Vec2CTCTokenizerOutput({key: [item[key] for item in decoded] for key in decoded[0].keys()})


__all__ = ["AuTTinyTokenizer"]
