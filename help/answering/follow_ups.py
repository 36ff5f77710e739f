"""Follow-ups: whether a question leans on the turns before it, and what to search then.

The widget sends the last turns of the thread with each question (``Turn``). They are used
only when the question cannot stand alone; a question that names its own object ("comment
créer un client ?") is answered exactly as if it came first, so it shares its cache entry
with everyone. A question depends on the turns before it when, read word by word (folded,
as ``help.search.text.words`` gives them, small words included):

* it refers back before naming anything itself: an object pronoun before a verb ("je
  l'envoie", "comment le modifier", "j'en ai besoin"), or ending it ("envoie-le"), a
  demonstrative pronoun ("ça", "celui-ci", "dedans"; "it", "them", "that" not followed by
  a noun, "this one"), a dummy "it" aside ("is it possible to...");
* it opens as a continuation ("et ...", "ensuite", "and then", "what about", "what if")
  without being a whole question of its own: an object and at least one more word that
  says something ("et comment créer un client ?" stands alone, "et pour un client ?" not);
* or it names no object at all ("comment faire ?", "supprimer ?", "why?").

An object is a word that says what the question is about: not a small word, not a generic
action or a word that says little (``help.search.query``'s weak and action words, and the
terms the site's vocabulary groups with them: "établir" is "créer"), not a continuation or
question word, not the verb after an object pronoun. A follow-up's retrieval searches the
objects of the newest earlier question that has some (what "it" stands for, not what was
done to it), then its own words ``QUESTION_WEIGHT`` times: the index sums one group per
word, so its own words count most.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from help.search.query import ACTION_WORDS, WEAK_WORDS
from help.search.text import clean, fold_question, words
from help.search.vocabulary import Vocabulary, vocabulary
from help.search.word_forms import STOP_WORDS, stem

MAX_TURNS = 2  # turns of the thread a question may come with
MAX_ANSWER_CHARS = 200  # of each turn's answer: its start says what it was about
# The follow-ups of tests/answering/test_follow_ups.py on the demo, asked on "/" (where the
# page does not help), whose answering article comes first: searched alone 13 of 15, after
# the whole previous question 3, after its objects 13, its own words twice or more 15 (and
# on a wider set of 23 tried while writing them, alone 19, twice 19, three times 20).
QUESTION_WEIGHT = 3


@dataclass(frozen=True)
class Turn:
    """An earlier question of the thread and the start of its answer, as the widget sent them."""

    question: str
    answer: str


# French object pronouns: before a verb ("je l'envoie") or ending an order ("envoie-le").
_OBJECT_PRONOUNS = frozenset({"l", "le", "la", "les", "lui", "leur", "en", "y"})
# After these, an object pronoun comes before a conjugated verb: "je le", "on en", "n'y".
_SUBJECTS = frozenset({
    "je", "j", "tu", "il", "elle", "on", "nous", "vous", "ils", "elles", "ne", "n",
})  # fmt: skip
# After these, before an infinitive: "comment le modifier", "pour l'envoyer", "où la trouver".
_BEFORE_INFINITIVE = frozenset({
    "comment", "pour", "ou", "a", "pas", "peut", "peux", "puis", "pourrais", "pouvez",
    "dois", "doit", "faut", "veux", "voudrais", "vais", "va", "sais",
})  # fmt: skip
# Infinitives; of those in -re only the usual verbs' endings, as many nouns end in -re
# ("la facture", "l'inventaire").
_INFINITIVE_ENDINGS = (
    "er", "ir", "oir", "faire", "dire", "lire", "crire", "uire", "ttre", "ndre", "aitre",
    "suivre", "clure",
)  # fmt: skip
# Pronouns that stand for something said before, wherever they are.
_BACK_REFERENCES = frozenset({
    "ca", "cela", "ceci", "celui", "celle", "ceux", "celles", "dedans", "dessus", "dessous",
    "it", "its", "them", "they", "their",
})  # fmt: skip
# Pronouns, unless a noun follows (then they are determiners: "this quote", "that client").
_DEMONSTRATIVES = frozenset({"this", "that", "these", "those"})
# "it" that stands for nothing: "is it possible", "how long does it take".
_DUMMY_IT_NEXT = frozenset({
    "possible", "ok", "okay", "normal", "necessary", "mandatory", "required", "safe", "true",
    "hard", "easy", "better", "best", "worth", "allowed", "important", "enough", "take",
    "takes", "took",
})  # fmt: skip
# How a continuation opens: its first word, or its first two.
_OPENERS = frozenset({
    "et", "ensuite", "apres", "alors", "mais", "sinon", "pareil", "idem", "aussi",
    "egalement", "meme", "and", "then", "also", "but", "same", "next", "so", "after",
    "afterwards", "plus",
})  # fmt: skip
_OPENER_PAIRS = frozenset({("what", "about"), ("how", "about"), ("what", "if")})
# Words a continuation may come after.
_LEADING = frozenset({
    "ok", "okay", "oui", "yes", "bon", "merci", "thanks", "daccord", "le", "la", "the",
})  # fmt: skip
# Words that never say what a question is about: continuations, question words, fillers.
_NOT_OBJECTS = frozenset({
    "ensuite", "apres", "puis", "alors", "encore", "aussi", "egalement", "autre", "autres",
    "meme", "pareil", "idem", "pourquoi", "combien", "quand", "lequel", "laquelle",
    "lesquels", "lesquelles", "oui", "non", "ok", "daccord", "marche", "marcher",
    "fonctionne", "fonctionner", "signifie", "dire", "passe", "passer", "suite", "etape",
    "etapes", "prochain", "prochaine", "suivant", "suivante", "tard", "avant", "maintenant",
    "deja", "abord", "plutot", "dedans", "dessus", "dessous", "ci", "cela", "ceci", "celui",
    "celle", "ceux", "celles", "si",
    "next", "after", "afterwards", "also", "too", "again", "else", "other", "another",
    "same", "why", "much", "many", "long", "yes", "no", "about", "mean", "means", "meant",
    "work", "works", "happen", "happens", "happened", "step", "steps", "one", "ones",
    "later", "first", "before", "now", "still", "instead", "there", "they", "them", "their",
    "these", "those", "if", "made", "did", "done", "got", "went", "gone", "goes",
})  # fmt: skip


def depends_on_context(question: str, lang: str) -> bool:
    """Whether ``question`` leans on the turns before it (see the module docstring)."""
    tokens = words(question)
    reading = _read(tokens, lang)
    if reading.refers_back:
        return True
    if not reading.objects:
        return True
    return _opens_as_continuation(tokens) and reading.meaningful < 2


def objects(text: str, lang: str) -> list[str]:
    """The words of ``text`` that say what it is about, in order."""
    return _read(words(text), lang).objects


def search_text(question: str, lang: str, context: Sequence[Turn]) -> str:
    """What a follow-up's retrieval searches: the objects of the newest earlier question
    that has some, then the question's own words ``QUESTION_WEIGHT`` times."""
    antecedent: list[str] = []
    for turn in reversed(context):
        antecedent = objects(turn.question, lang)
        if antecedent:
            break
    return " ".join([*antecedent, *[question] * QUESTION_WEIGHT])


def context_digest(prompt_context: str, searched: str) -> str:
    """A digest of everything the turns changed in a follow-up's answer: the context as the
    prompt shows it and the text its retrieval searched. It enters the follow-up's cache key,
    so an answer shaped by some turns is never served to anyone who did not send them. The
    search text is folded as the key folds the question (the search folds more)."""
    encoded = json.dumps(
        [prompt_context, fold_question(clean(searched))], ensure_ascii=False
    ).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


@dataclass(frozen=True)
class _Reading:
    objects: list[str]
    meaningful: int  # words that say something: objects and actions
    refers_back: bool  # a back reference before any object of its own


def _read(tokens: list[str], lang: str) -> _Reading:
    generic = _generic_stems(vocabulary(), lang)
    found: list[tuple[int, str]] = []  # (position, word)
    meaningful = 0
    refers_back = False
    verb_at = -1  # the position of a verb governed by an object pronoun
    for at, token in enumerate(tokens):
        previous = tokens[at - 1] if at else ""
        following = tokens[at + 1] if at + 1 < len(tokens) else ""
        if _is_back_reference(token, previous, following):
            if found and found[-1][0] == at - 1:  # its verb: "send it", "envoie-le"
                found.pop()
            refers_back = refers_back or not found
            verb_at = at + 1 if token in _OBJECT_PRONOUNS else verb_at
            continue
        if not _may_name_something(token):
            continue
        meaningful += 1
        if at != verb_at and stem(token, lang) not in generic:
            found.append((at, token))
    return _Reading([word for _, word in found], meaningful, refers_back)


def _is_back_reference(token: str, previous: str, following: str) -> bool:
    if token in _BACK_REFERENCES:
        return not (token == "it" and following in _DUMMY_IT_NEXT)
    if token in _DEMONSTRATIVES:
        return not _may_name_something(following)
    if token not in _OBJECT_PRONOUNS:
        return False
    if not following:  # "envoie-le", "fais-en"
        return token != "l"
    if token == "y" and previous == "il":  # "il y a"
        return False
    if previous in _SUBJECTS:
        return following not in STOP_WORDS
    return previous in _BEFORE_INFINITIVE and following.endswith(_INFINITIVE_ENDINGS)


def _may_name_something(token: str) -> bool:
    """Not a small word, a filler, a continuation or a number (an empty token neither)."""
    return bool(token) and not (
        token in STOP_WORDS or token in _NOT_OBJECTS or token in WEAK_WORDS or token.isdigit()
    )


def _opens_as_continuation(tokens: list[str]) -> bool:
    while tokens and tokens[0] in _LEADING:  # "ok, et pour l'annuler ?", "the same for..."
        tokens = tokens[1:]
    if not tokens:
        return False
    first, second = tokens[0], tokens[1] if len(tokens) > 1 else ""
    if first == "puis":  # "puis-je ...?" asks, "puis ?" goes on
        return second != "je"
    return first in _OPENERS or (first, second) in _OPENER_PAIRS


@lru_cache(maxsize=16)
def _generic_stems(site_vocabulary: Vocabulary, lang: str) -> frozenset[str]:
    """The stems of words that say little or name a generic action, with the single-word
    terms the site's vocabulary groups with the actions (never with nouns, its rules say;
    a weak word's group may hold nouns: "some" and "somme" share a stem)."""
    actions = {stem(word, lang) for word in ACTION_WORDS}
    known = site_vocabulary.phrases(lang)
    grouped = {term[0] for word in actions for term in known.get((word,), ()) if len(term) == 1}
    return frozenset(actions | grouped | {stem(word, lang) for word in WEAK_WORDS})
