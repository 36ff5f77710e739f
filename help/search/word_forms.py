"""Text analysis for retrieval: Markdown to plain text, stop words, and a light French and
English stemmer for words already folded by ``help.search.text.fold``.

The stemmer only strips suffixes, so it is deterministic and cheap. It does not aim at
correct roots, only at giving the same stem to the forms a user and an article are likely
to use for one idea:

* French: plurals (-s, -x, -aux -> -al, -eaux -> -eau); trailing "e"s; verb endings -er,
  -ez; then one derivation among -ement, -ication, -ation, -ateur/-atrice, -eur, -euse,
  -ant(e), -ive -> -if, so creer, creez, cree, creee(s), creation and createur all give "cr".
* English: -ies -> -y, plural -s (not -ss, -us, -is), -ing, -ed, -ly, -ation -> -ate, then
  a trailing "e" and a doubled final consonant, so quote, quotes, quoted and quoting all
  give "quot", and log, logged and logging give "log".

A suffix is only stripped when at least three letters remain (two for trailing "e"s),
and words of three letters or fewer are kept whole.
"""

from __future__ import annotations

from functools import lru_cache

from help.search.text import words

FRENCH_STOP_WORDS = frozenset({
    "a", "ai", "au", "aux", "avec", "c", "ca", "ce", "ces", "cet", "cette", "comment", "d",
    "dans", "de", "des", "du", "elle", "elles", "en", "est", "et", "il", "ils", "j", "je", "l",
    "la", "le", "les", "leur", "lui", "m", "ma", "me", "mes", "mon", "n", "ne", "nous", "on",
    "ou", "par", "pas", "pour", "qu", "que", "quel", "quelle", "qui", "quoi", "s", "sa", "se",
    "ses", "son", "sont", "suis", "sur", "t", "ta", "te", "tes", "ton", "tu", "un", "une",
    "vos", "votre", "vous", "y"
})  # fmt: skip
ENGLISH_STOP_WORDS = frozenset({
    "a", "am", "an", "and", "are", "as", "at", "be", "by", "can", "could", "do", "does", "don",
    "for", "from", "how", "i", "is", "it", "its", "me", "my", "of", "on", "or", "please", "s",
    "should", "t", "that", "the", "there", "this", "to", "was", "what", "when", "where",
    "which", "why", "will", "with", "would", "you", "your"
})  # fmt: skip
# One list for both languages: a question is often searched in the other language's
# articles (fallback), and English articles quote the French labels of the interface.
STOP_WORDS = FRENCH_STOP_WORDS | ENGLISH_STOP_WORDS


def content_words(text: str) -> list[str]:
    """The folded words of ``text``, without stop words."""
    return [word for word in words(text) if word not in STOP_WORDS]


_FRENCH_VERB_ENDINGS = ("er", "ez")
_FRENCH_SUFFIXES = (
    ("ication", "i"),
    ("ement", ""),
    ("ateur", ""),
    ("ation", ""),
    ("atric", ""),
    ("eur", ""),
    ("eus", ""),
    ("ant", ""),
    ("iv", "if"),
)
_ENGLISH_ENDINGS = ("ing", "ed", "ly")
_VOWELS = frozenset("aeiouy")


@lru_cache(maxsize=100_000)
def stem(word: str, language: str) -> str:
    if len(word) <= 3:
        return word
    return _stem_english(word) if language == "en" else _stem_french(word)


def _strip_e(word: str) -> str:
    while len(word) > 2 and word.endswith("e"):
        word = word[:-1]
    return word


def _stem_french(word: str) -> str:
    if word.endswith("eaux"):
        word = word[:-1]
    elif word.endswith("aux"):
        word = word[:-3] + "al"
    elif word[-1] in "sx":
        word = word[:-1]
    word = _strip_e(word)
    for ending in _FRENCH_VERB_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = _strip_e(word[: -len(ending)])
            break
    for suffix, replacement in _FRENCH_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + replacement
            break
    return _strip_e(word)


def _stem_english(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for ending in _ENGLISH_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)]
            break
    if word.endswith("ation") and len(word) > 7:
        word = word[:-5] + "ate"
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in _VOWELS:
        word = word[:-1]
    return word
