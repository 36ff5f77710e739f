"""Scrub the page hints already stored in the question log, as new questions' hints are.

Questions logged before hints were scrubbed may hold e-mail addresses, phone numbers, IBANs
and account or customer numbers that the page showed. The rules below are a frozen copy of
``help.answering.privacy.scrub`` at the time of this migration: a migration imports nothing
of the app (tests/test_layout.py), so that it runs the same whatever the app's code becomes.
Reversing it keeps the scrubbed hints: what was removed is not kept anywhere.
"""

import re

from django.db import migrations

PLACEHOLDER = "[...]"
MIN_DIGITS = 5
BATCH = 500

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ \u00a0]?[A-Z0-9]{4}){2,7}(?:[ \u00a0]?[A-Z0-9]{1,3})?\b")
_SEP = r"[ .\-\u00a0\u202f]"
_CURRENCY = r"(?:[€$£¥]|EUR\b|USD\b|GBP\b|CHF\b|euros?\b)"
_AMOUNT = r"(?:\d{1,3}(?:[ .,\u00a0\u202f]\d{3})+|\d+)"
_NUMBERS = re.compile(
    rf"(?P<amount>{_CURRENCY}\s?{_AMOUNT}(?:[.,]\d{{1,2}})?"
    rf"|{_AMOUNT}(?:[.,]\d{{1,2}})?\s?{_CURRENCY}"
    rf"|{_AMOUNT}[.,]\d{{1,2}}(?!\d|{_SEP}\d))"
    rf"|(?P<run>(?<![\d+])\+?\(?\d+\)?(?:(?:{_SEP}|(?<=\)))\(?\d+\)?)*)"
)
_SPLIT = re.compile(rf"({_SEP})")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _digits(text):
    return sum(char.isdigit() for char in text)


def _judge(digits):
    return PLACEHOLDER if _digits(digits) >= MIN_DIGITS else digits


def _scrub_iban(match):
    return PLACEHOLDER if _digits(match.group()) >= 10 else match.group()


def _scrub_number(match):
    run = match.group("run")
    if run is None:
        return match.group()
    if "+" in run or "(" in run:
        return _judge(run)
    pieces = _SPLIT.split(run)
    kept = []
    stretch = ""
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


def scrub(text):
    text = _EMAIL.sub(PLACEHOLDER, text)
    text = _IBAN.sub(_scrub_iban, text)
    return _NUMBERS.sub(_scrub_number, text)


def scrub_stored_hints(apps, schema_editor):
    HelpQuery = apps.get_model("help", "HelpQuery")
    rows = HelpQuery.objects.exclude(hints="").order_by("pk").only("pk", "hints")
    last = None
    while True:  # in batches by key, never writing to a table a cursor is still reading
        batch = list((rows if last is None else rows.filter(pk__gt=last))[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        changed = []
        for row in batch:
            scrubbed = scrub(row.hints)
            if scrubbed != row.hints:
                row.hints = scrubbed
                changed.append(row)
        HelpQuery.objects.bulk_update(changed, ["hints"])


class Migration(migrations.Migration):
    dependencies = [
        ("help", "0003_helpdashboard"),
    ]

    operations = [
        migrations.RunPython(scrub_stored_hints, migrations.RunPython.noop, elidable=True),
    ]
