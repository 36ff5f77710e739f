"""Text folding shared by the cache key, retrieval and the widget's client cache."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^0-9a-z]+")
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
    return fold(text).split()
