"""Text helpers: folding (cache keys, search, the widget's cache), Markdown to plain text,
and cleaning and capping untrusted text for the prompt and the fallback."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_TAG = re.compile(r"<[^>]{0,200}>")
# "<<<" and ">>>", also written with the fullwidth or small forms that read the same.
_FENCE = re.compile(r"[<\uff1c\ufe64]{3}|[>\uff1e\ufe65]{3}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[ \t]+")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_RULE = re.compile(r"^ {0,3}([-*_])( *\1){2,} *$", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[*+]\s+", re.MULTILINE)
_BLOCK_START = re.compile(r"^ {0,3}(#{1,6}|>)\s*", re.MULTILINE)  # headings, quotes
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"\*+|`+|~~|(?<!\w)_+|_+(?!\w)")
# Math, currency and other symbols (emoji among them): "<" and ">" are not alike.
_MEANINGFUL_SYMBOLS = frozenset({"Sm", "Sc", "So"})
_LETTER_HYPHEN = re.compile(r"(?<!\w)(\w)-(?=\w)")
# Ligatures that Unicode decomposition leaves whole.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation and runs of spacing turned into one space.

    ``fold("Comment créer un client ?") == fold("comment  creer un client")``
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    without_accents = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_WORD.sub(" ", without_accents).strip()


def words(text: str) -> list[str]:
    """The folded words of ``text``; a single letter joined by a hyphen stays one word, so
    "e-mail" is "email" ("e-commerce", "t-shirt" alike)."""
    return fold(_LETTER_HYPHEN.sub(r"\1", text)).split()


def fold_question(text: str) -> str:
    """The question as the answer cache compares it: case, the accents of Latin letters,
    punctuation and spacing folded; letters of every script (with their marks), digits,
    and signs that change the meaning (< > = + − % € ... and emoji) kept.

    ``fold_question("Comment créer un client ?") == fold_question("comment creer un client")``
    but "stock < 10" and "stock > 10", or two questions in Cyrillic, stay apart. The widget's
    cache mirrors it (``fold`` in widget.js).
    """
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    kept: list[str] = []
    after_latin = False  # a mark after a Latin letter is an accent, folded away
    for char in text.translate(_LIGATURES):
        category = unicodedata.category(char)
        if category[0] == "M":
            if not after_latin:
                kept.append(char)
            continue
        meaningful = category[0] in "LN" or category in _MEANINGFUL_SYMBOLS or char in "%#@&"
        kept.append(char if meaningful else " ")
        after_latin = "a" <= char <= "z"
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())


def plain_text(markdown_body: str) -> str:
    """Markdown as plain text without heading, emphasis, code or link syntax; one line per
    paragraph or list item, list markers kept."""
    text = _RULE.sub("", markdown_body)
    text = _BULLET.sub(r"\1- ", text)
    text = _BLOCK_START.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def clean(text: str) -> str:
    """Text fit to sit inside a fence: no tags, no fence markers (their fullwidth and small
    forms included), no control characters."""
    text = _SURROGATES.sub("", text)
    text = _TAG.sub(" ", text)
    text = _FENCE.sub(" ", text)
    text = _CONTROL.sub(" ", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def cap(text: str, limit: int) -> str:
    """At most ``limit`` characters (ellipsis included), cut at a word boundary when one is
    in the second half."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"
