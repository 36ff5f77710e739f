"""The languages articles and answers come in."""

from __future__ import annotations

from help.search.text import words
from help.search.word_forms import ENGLISH_STOP_WORDS, FRENCH_STOP_WORDS

LANGUAGE_CODES = ("fr", "en")

# Small words that tell one language from the other (folded; "a", "on", "me" are both).
_FRENCH_ONLY = FRENCH_STOP_WORDS - ENGLISH_STOP_WORDS | {"faire", "peux", "dois", "veux", "ou"}
_ENGLISH_ONLY = ENGLISH_STOP_WORDS - FRENCH_STOP_WORDS | {"new", "add", "get", "make", "see"}


def normalise_language(value: str | None, default: str = "fr") -> str:
    """``fr`` or ``en`` from a language code such as ``en-gb``; anything else gives ``default``."""
    code = (value or "").split("-")[0].lower()
    return code if code in LANGUAGE_CODES else default


def question_language(question: str, page_language: str) -> str:
    """The language the question is written in, when its words say so; else the page's.

    A cheap in-process test: the small words only one of the two languages uses ("how",
    "the", "my" against "comment", "je", "les"), counted; the language with more of them
    wins, the page's on a tie (short keyword questions: "tva", "pdf devis").
    """
    page = normalise_language(page_language)
    found = words(question)
    english = sum(word in _ENGLISH_ONLY for word in found)
    french = sum(word in _FRENCH_ONLY for word in found)
    if english > french:
        return "en"
    if french > english:
        return "fr"
    return page
