"""The languages articles and answers come in."""

from __future__ import annotations

LANGUAGE_CODES = ("fr", "en")


def normalise_language(value: str | None, default: str = "fr") -> str:
    """``fr`` or ``en`` from a language code such as ``en-gb``; anything else gives ``default``."""
    code = (value or "").split("-")[0].lower()
    return code if code in LANGUAGE_CODES else default


def question_language(question: str, page_language: str) -> str:
    """The language the question is written in, when its words say so; else the page's."""
    return normalise_language(page_language)
