"""Personal data out of page hints, before they enter the cache key, the prompt and the log.

Page hints are what a page shows (headings, buttons, labels), and pages show their data: a
heading may read "Relancer jean.dupont@example.com". Names cannot be told from ordinary
words and stay; what has a recognisable shape goes: e-mail addresses, phone numbers (French
and international formats), IBANs, and runs of 5 or more digits (customer, account or order
numbers), also when spaces, dots or dashes split them. Short numbers ("3 bouteilles"),
years ("Millésime 2022", "2020-2025") and amounts ("12 500,00 €") stay: they describe the
page rather than someone.

The question log keeps hints in this form only, and warm-up reuses them as they are, so it
builds the same cache keys as the widget.
"""

from __future__ import annotations

import re

PLACEHOLDER = "[...]"  # ASCII, so cleaning the scrubbed hints again leaves them as they are
MIN_DIGITS = 5  # a run with this many digits is an identifier, not a quantity

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*")
# Two letters, two check digits, then groups of four (spaced or not), and a short tail.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ \u00a0]?[A-Z0-9]{4}){2,7}(?:[ \u00a0]?[A-Z0-9]{1,3})?\b")

_SEP = r"[ .\-\u00a0\u202f]"  # one character between two groups of digits
_CURRENCY = r"(?:[€$£¥]|EUR\b|USD\b|GBP\b|CHF\b|euros?\b)"
_AMOUNT = r"(?:\d{1,3}(?:[ .,\u00a0\u202f]\d{3})+|\d+)"  # 12 500, 1.250, 1,250, 250
_NUMBERS = re.compile(
    # An amount: a currency beside it, or thousands groups with a decimal part.
    rf"(?P<amount>{_CURRENCY}\s?{_AMOUNT}(?:[.,]\d{{1,2}})?"
    rf"|{_AMOUNT}(?:[.,]\d{{1,2}})?\s?{_CURRENCY}"
    rf"|{_AMOUNT}[.,]\d{{1,2}}(?!\d|{_SEP}\d))"
    # Otherwise a run: groups of digits, a phone's "+" and "(0)" or "(555)" included.
    rf"|(?P<run>(?<![\d+])\+?\(?\d+\)?(?:(?:{_SEP}|(?<=\)))\(?\d+\)?)*)"
)
_SPLIT = re.compile(rf"({_SEP})")
_YEAR = re.compile(r"(?:19|20)\d\d")


def scrub(text: str) -> str:
    """``text`` with e-mail addresses, phone numbers, IBANs and long digit runs replaced by
    ``PLACEHOLDER``; everything else, line breaks included, as it was."""
    text = _EMAIL.sub(PLACEHOLDER, text)
    text = _IBAN.sub(_scrub_iban, text)
    return _NUMBERS.sub(_scrub_number, text)


def _digits(text: str) -> int:
    return sum(char.isdigit() for char in text)


def _scrub_iban(match: re.Match[str]) -> str:
    # Mostly digits; "AB12 CDEF GHIJ" is more likely a product code than an account.
    return PLACEHOLDER if _digits(match.group()) >= 10 else match.group()


def _scrub_number(match: re.Match[str]) -> str:
    run = match.group("run")
    if run is None:
        return match.group()  # an amount
    if "+" in run or "(" in run:  # a phone number's marks: one number, whatever its groups
        return _judge(run)
    # A year stands on its own, so "2022 12" or "2020-2025" is two short numbers.
    pieces = _SPLIT.split(run)  # numbers at even indexes, a separator between two
    kept: list[str] = []
    stretch = ""  # the numbers (and separators) since the last year, not judged yet
    for index in range(0, len(pieces), 2):
        separator, number = pieces[index - 1] if index else "", pieces[index]
        if _YEAR.fullmatch(number):
            kept += [_judge(stretch), separator, number]
            stretch = ""
        elif stretch:
            stretch += separator + number
        else:
            kept.append(separator)
            stretch = number
    kept.append(_judge(stretch))
    return "".join(kept)


def _judge(digits: str) -> str:
    return PLACEHOLDER if _digits(digits) >= MIN_DIGITS else digits
