"""English text normalization for CTC transcripts: everything becomes lower-case words over `a-z`, `'` and space.

A CTC model can only emit the characters of its alphabet, so digits, symbols and abbreviations have to be written out
the way they are spoken ("$5" → "five dollars"), otherwise the transcript and the audio disagree. The rules here are
deliberately simple, pure Python and deterministic: they are applied to training transcripts (real or synthetic) and
to references before scoring, so the same input must always give the same words.
"""

import re
import unicodedata


MAX_NUMBER = 999_999_999_999

_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]  # fmt: skip
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = [(1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand")]
_IRREGULAR_ORDINALS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
)

# Characters that NFKD does not decompose into a letter plus accents.
_LETTER_REPLACEMENTS = {
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
}  # fmt: skip
_APOSTROPHES = "\u2019\u2018\u02bc\u0060\u00b4\u2032"

# Abbreviations that are only expanded with their dot: without it they are often ordinary words ("no", "gen").
_ABBREVIATIONS_WITH_DOT = {
    "ms": "miz",
    "prof": "professor",
    "jr": "junior",
    "sr": "senior",
    "mt": "mount",
    "capt": "captain",
    "lt": "lieutenant",
    "sgt": "sergeant",
    "gov": "governor",
    "rev": "reverend",
    "approx": "approximately",
    "dept": "department",
    "e.g": "for example",
    "i.e": "that is",
    "jan": "january",
    "feb": "february",
    "mar": "march",
    "apr": "april",
    "jun": "june",
    "jul": "july",
    "aug": "august",
    "sep": "september",
    "sept": "september",
    "oct": "october",
    "nov": "november",
    "dec": "december",
}
# Abbreviations that are unambiguous with or without the dot ("Mr Smith" is common British spelling).
_ABBREVIATIONS_DOT_OPTIONAL = {
    "mr": "mister",
    "mrs": "missus",
    "dr": "doctor",
    "vs": "versus",
    "etc": "et cetera",
}
_CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
}
_SYMBOLS = {"%": "percent", "&": "and", "@": "at", "+": "plus"}


def number_to_words(n: int) -> str:
    """Spell out an integer from 0 to 999,999,999,999 the American way, without "and" ("one hundred five")."""
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"number_to_words supports 0 to {MAX_NUMBER:,}, got {n}")
    if n == 0:
        return "zero"
    words = []
    for scale, name in _SCALES:
        count, n = divmod(n, scale)
        if count:
            words += _below_thousand(count) + [name]
    words += _below_thousand(n)
    return " ".join(words)


def _below_thousand(n: int) -> list[str]:
    """Words for 1-999; an empty list for 0 so that "two thousand" has no trailing "zero"."""
    words = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [_ONES[hundreds], "hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_TENS[tens])
        if ones:
            words.append(_ONES[ones])
    elif rest:
        words.append(_ONES[rest])
    return words


def ordinal_to_words(n: int) -> str:
    """Spell out an ordinal: 21 → "twenty first", 100 → "one hundredth"."""
    words = number_to_words(n).split()
    last = words[-1]
    if last in _IRREGULAR_ORDINALS:
        words[-1] = _IRREGULAR_ORDINALS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def year_to_words(year: int) -> str:
    """Read a year as it is spoken: 1905 → "nineteen oh five", 2024 → "twenty twenty four", 2000 → "two thousand".

    Years outside 1000-9999 and those with fewer than ten years into a millennium (2000-2009) are read as cardinals.
    """
    if not 1000 <= year <= 9999 or year % 1000 < 10:
        return number_to_words(year)
    high, low = divmod(year, 100)
    if low == 0:
        return f"{number_to_words(high)} hundred"
    if low < 10:
        return f"{number_to_words(high)} oh {number_to_words(low)}"
    return f"{number_to_words(high)} {number_to_words(low)}"


def digits_to_words(digits: str) -> str:
    """Read a digit string one digit at a time ("007" → "zero zero seven"), as codes and phone numbers are read."""
    return " ".join(_ONES[int(digit)] for digit in digits)


def _cardinal(digits: str) -> str:
    """A digit string as a number, or digit by digit where a number reading is wrong (leading zero) or too long."""
    if (len(digits) > 1 and digits.startswith("0")) or int(digits) > MAX_NUMBER:
        return digits_to_words(digits)
    return number_to_words(int(digits))


def _pluralize(words: str) -> str:
    """Plural of a spelled-out decade: "nineteen sixty" → "nineteen sixties"."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    return words + "s"


def _to_ascii(text: str) -> str:
    """Fold typographic apostrophes and accented letters onto ASCII ("café" → "cafe", "’" → "'")."""
    for apostrophe in _APOSTROPHES:
        text = text.replace(apostrophe, "'")
    for letter, replacement in _LETTER_REPLACEMENTS.items():
        text = text.replace(letter, replacement)
    text = unicodedata.normalize("NFKD", text)
    return "".join(char for char in text if not unicodedata.combining(char))


def _expand_abbreviations(text: str) -> str:
    """Expand common abbreviations. Runs before lower-casing: "St." is "Saint" before a capital, "street" otherwise."""
    text = re.sub(r"\bSt\.(?=\s*[A-Z])", "Saint", text)
    text = re.sub(r"\bst\.", "street", text, flags=re.IGNORECASE)
    text = re.sub(r"\bno\.(?=\s*\d)", "number", text, flags=re.IGNORECASE)
    for abbreviation, expansion in _ABBREVIATIONS_WITH_DOT.items():
        text = re.sub(rf"\b{re.escape(abbreviation)}\.", expansion, text, flags=re.IGNORECASE)
    for abbreviation, expansion in _ABBREVIATIONS_DOT_OPTIONAL.items():
        text = re.sub(rf"(?<![a-z]){abbreviation}(?![a-z])\.?", expansion, text, flags=re.IGNORECASE)
    return text


def _money_to_words(match: re.Match) -> str:
    singular, plural, cent, cents = _CURRENCIES[match["currency"]]
    amount, scale = match["amount"].replace(",", ""), match["scale"]
    whole, _, fraction = amount.partition(".")
    if scale:  # "$2.5 million" → "two point five million dollars"
        return f" {_decimal_to_words(whole, fraction)} {scale} {plural} "
    if fraction and len(fraction) != 2:  # not a price in cents: "$1.5" → "one point five dollars"
        return f" {_decimal_to_words(whole, fraction)} {plural} "
    words = []
    if int(whole) > 0 or not fraction or int(fraction) == 0:
        words.append(f"{_cardinal(whole)} {singular if int(whole) == 1 else plural}")
    if fraction and int(fraction) > 0:
        words.append(f"{number_to_words(int(fraction))} {cent if int(fraction) == 1 else cents}")
    return " " + " and ".join(words) + " "


def _decimal_to_words(whole: str, fraction: str) -> str:
    """ "3", "14" → "three point one four": decimals are read digit by digit."""
    if not fraction:
        return _cardinal(whole)
    return f"{_cardinal(whole)} point {digits_to_words(fraction)}"


def _time_to_words(match: re.Match) -> str:
    hour, minute, meridiem = int(match["hour"]), int(match["minute"]), match["meridiem"]
    words = [number_to_words(hour)]
    if minute == 0 and not meridiem:
        words.append("o'clock")
    elif 0 < minute < 10:
        words += ["oh", number_to_words(minute)]
    elif minute >= 10:
        words.append(number_to_words(minute))
    if meridiem:
        words += [meridiem, "m"]
    return " " + " ".join(words) + " "


def _date_to_words(match: re.Match) -> str:
    """ "march 21st, 1905" → "march twenty first nineteen oh five"."""
    words = [match["month"], ordinal_to_words(int(match["day"]))]
    if match["year"]:
        words.append(year_to_words(int(match["year"])))
    return " ".join(words)


def _expand_numbers(text: str) -> str:
    """Spell out money, times, dates, decades, years, ordinals, decimals and plain integers, most specific first."""
    text = re.sub(
        r"(?P<currency>[$£€])\s?(?P<amount>\d[\d,]*(?:\.\d+)?)"
        r"(?:\s?(?P<scale>thousand|million|billion|trillion)\b)?",
        _money_to_words,
        text,
    )
    text = re.sub(
        r"\b(?P<hour>[01]?\d|2[0-4]):(?P<minute>[0-5]\d)\b(?:\s*(?P<meridiem>[ap])\.?m\b\.?)?", _time_to_words, text
    )
    text = re.sub(
        r"\b(?P<hour>[01]?\d|2[0-4])\s*(?P<meridiem>[ap])\.?m\b\.?",
        lambda m: f" {number_to_words(int(m['hour']))} {m['meridiem']} m ",
        text,
    )
    text = re.sub(
        rf"\b(?P<month>{_MONTHS})\s+(?P<day>[12]?\d|3[01])(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{{4}})\b)?",
        _date_to_words,
        text,
    )
    text = re.sub(r"'?\b(\d*0)'?s\b", lambda m: f" {_pluralize(_number_or_year(m[1]))} ", text)
    text = re.sub(r"\b(\d{1,3}(?:,\d{3})+|\d+)(?:st|nd|rd|th)\b", lambda m: f" {_ordinal(m[1])} ", text)
    text = re.sub(
        r"\b(\d{1,3}(?:,\d{3})+|\d+)\.(\d+)\b",
        lambda m: f" {_decimal_to_words(m[1].replace(',', ''), m[2])} ",
        text,
    )
    text = re.sub(r"\b\d{1,3}(?:,\d{3})+\b", lambda m: f" {_cardinal(m[0].replace(',', ''))} ", text)
    text = re.sub(r"\d+", lambda m: f" {_number_or_year(m[0])} ", text)
    return text


def _ordinal(digits: str) -> str:
    """ "1,000" → "one thousandth"; numbers too large to spell are read digit by digit."""
    digits = digits.replace(",", "")
    if int(digits) > MAX_NUMBER:
        return digits_to_words(digits)
    return ordinal_to_words(int(digits))


def _number_or_year(digits: str) -> str:
    """Four-digit numbers from 1000 to 2099 are read as years: in running text they mostly are ("in 1984")."""
    if len(digits) == 4 and 1000 <= int(digits) <= 2099:
        return year_to_words(int(digits))
    return _cardinal(digits)


def normalize_transcript(text: str) -> str:
    """Turn free English text into what a CTC model over `a-z`, `'` and space is trained to emit.

    Lower-cases, folds accents onto ASCII, expands common abbreviations ("Dr." → "doctor"), spells out numbers
    ("1,234", "21st", "$5", "50%", "7:30 pm", "March 21st, 1905", "1990s"), turns every other character into a word
    break, keeps apostrophes only inside words ("don't", not "'quoted'") and collapses spaces. The result is a fixed
    point: normalizing it again changes nothing.
    """
    text = _to_ascii(text)
    text = _expand_abbreviations(text)
    text = text.lower()
    text = re.sub(r"#(?=\s*\d)", " number ", text)
    text = _expand_numbers(text)
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, f" {word} ")
    text = re.sub(r"[^a-z' ]+", " ", text)
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", text)
    return " ".join(text.split())
