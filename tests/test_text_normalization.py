import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uomni_hf.text_normalization import (
    MAX_NUMBER,
    digits_to_words,
    normalize_transcript,
    number_to_words,
    ordinal_to_words,
    year_to_words,
)


CTC_ALPHABET = re.compile(r"[a-z' ]*")


@pytest.mark.parametrize(
    "number, words",
    [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (20, "twenty"),
        (21, "twenty one"),
        (100, "one hundred"),
        (105, "one hundred five"),
        (1905, "one thousand nine hundred five"),
        (2000, "two thousand"),
        (1_000_001, "one million one"),
        (1_234_567, "one million two hundred thirty four thousand five hundred sixty seven"),
        (3_000_000_000, "three billion"),
        (
            MAX_NUMBER,
            "nine hundred ninety nine billion nine hundred ninety nine million nine hundred ninety nine thousand "
            "nine hundred ninety nine",
        ),
    ],
)
def test_number_to_words(number, words):
    assert number_to_words(number) == words


@pytest.mark.parametrize("number", [-1, MAX_NUMBER + 1])
def test_number_to_words_rejects_out_of_range(number):
    with pytest.raises(ValueError):
        number_to_words(number)


@pytest.mark.parametrize(
    "year, words",
    [
        (1905, "nineteen oh five"),
        (2024, "twenty twenty four"),
        (2000, "two thousand"),
        (2005, "two thousand five"),
        (2010, "twenty ten"),
        (1900, "nineteen hundred"),
        (1066, "ten sixty six"),
        (999, "nine hundred ninety nine"),
    ],
)
def test_year_to_words(year, words):
    assert year_to_words(year) == words


@pytest.mark.parametrize(
    "number, words",
    [
        (0, "zeroth"),
        (1, "first"),
        (2, "second"),
        (3, "third"),
        (5, "fifth"),
        (12, "twelfth"),
        (20, "twentieth"),
        (21, "twenty first"),
        (100, "one hundredth"),
        (1_000_000, "one millionth"),
    ],
)
def test_ordinal_to_words(number, words):
    assert ordinal_to_words(number) == words


def test_digits_to_words_keeps_leading_zeros():
    assert digits_to_words("007") == "zero zero seven"


@pytest.mark.parametrize(
    "text, expected",
    [
        # numbers
        ("I have 3 cats", "i have three cats"),
        ("1,234 people", "one thousand two hundred thirty four people"),
        ("pi is 3.14", "pi is three point one four"),
        ("agent 007", "agent zero zero seven"),
        ("mp3 files", "mp three files"),
        ("12345678901234", digits_to_words("12345678901234")),
        # years, decades, dates and times
        ("born in 1905", "born in nineteen oh five"),
        ("since 2024", "since twenty twenty four"),
        ("in the 1990s", "in the nineteen nineties"),
        ("the '60s", "the sixties"),
        ("March 21st, 1905", "march twenty first nineteen oh five"),
        ("on may 3", "on may third"),
        ("at 7:30 pm", "at seven thirty p m"),
        ("at 7:05", "at seven oh five"),
        ("at 12:00", "at twelve o'clock"),
        ("at 6 a.m.", "at six a m"),
        # ordinals
        ("the 21st century", "the twenty first century"),
        ("her 2nd and 3rd tries", "her second and third tries"),
        ("the 100th day", "the one hundredth day"),
        # money and percentages
        ("$5", "five dollars"),
        ("$1", "one dollar"),
        ("it costs $12.50", "it costs twelve dollars and fifty cents"),
        ("$0.99", "ninety nine cents"),
        ("$2.5 million", "two point five million dollars"),
        ("£1,000", "one thousand pounds"),
        ("€3.01", "three euros and one cent"),
        ("50% off", "fifty percent off"),
        # abbreviations and symbols
        ("Mr. Smith and Mrs. Jones", "mister smith and missus jones"),
        ("Dr. Who", "doctor who"),
        ("Mr Brown", "mister brown"),
        ("St. Louis", "saint louis"),
        ("Baker St.", "baker street"),
        ("No. 5", "number five"),
        ("apples, pears etc.", "apples pears et cetera"),
        ("cats & dogs", "cats and dogs"),
        ("Say no. He left.", "say no he left"),
        # punctuation, apostrophes, accents
        ("Hello, world! How are you?", "hello world how are you"),
        ("well-known", "well known"),
        ("don't 'quote' me", "don't quote me"),
        ("the dogs' bones", "the dogs bones"),
        ("It\u2019s fine", "it's fine"),
        ("Caf\u00e9 na\u00efve Zo\u00eb", "cafe naive zoe"),
        ("Stra\u00dfe", "strasse"),
        ("  lots   of\tspace\n", "lots of space"),
        ("", ""),
        ("!!!", ""),
    ],
)
def test_normalize_transcript(text, expected):
    assert normalize_transcript(text) == expected


MESSY_TEXT = st.text(alphabet=st.sampled_from(list("abcdmrstnhAMPDS 0123456789,.:;$£%&#'-\u2019\u00e9\u00df\u00bd")))


@settings(max_examples=300, deadline=None)
@given(st.one_of(MESSY_TEXT, st.text()))
def test_normalized_text_is_ctc_alphabet_and_a_fixed_point(text):
    normalized = normalize_transcript(text)
    assert CTC_ALPHABET.fullmatch(normalized)
    assert "  " not in normalized
    assert normalized == normalized.strip()
    assert not re.search(r"(^|[^a-z])'|'($|[^a-z])", normalized), "apostrophes only inside words"
    assert normalize_transcript(normalized) == normalized
