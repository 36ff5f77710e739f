"""What a question looks for: per word or phrase of it, a group of alternative terms.

An article scores its best term of each group, times the term's factor: 1 for the word's
own forms, ``SYNONYM_WEIGHT`` for the site's vocabulary (``help.search.vocabulary``),
``PREFIX_WEIGHT`` for the words an unfinished last word begins (search as you type). Each
group also has a weight, its share of the question: words that say little on their own
("peut", "faire", "need") weigh ``WEAK_WEIGHT``, generic actions ("créer", "new")
``ACTION_WEIGHT``, so that they never decide alone which article answers.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from help.search.vocabulary import SYNONYM_WEIGHT, Phrases, vocabulary
from help.search.word_forms import content_words, stem

PAIR_WEIGHT = 1.0  # a pair of adjacent query words found together, besides each word
PREFIX_WEIGHT = 0.8  # an indexed word that the last query word only begins
MIN_PREFIX = 3  # a shorter last word is not taken as the start of longer ones
PHRASE_WORD_WEIGHT = 0.5  # one word of a phrase of the vocabulary, found alone
WEAK_WEIGHT = 0.25
ACTION_WEIGHT = 0.6

WEAK_WORDS = frozenset({
    "peut", "peux", "peuvent", "pouvoir", "puis", "etre", "avoir", "faire", "fais", "fait",
    "faut", "dois", "doit", "devoir", "veux", "veut", "voudrais", "vouloir", "aller", "vais",
    "va", "mettre", "savoir", "sais", "besoin", "ensuite", "alors", "bien", "tout", "tous",
    "chose", "truc", "possible", "moyen", "svp", "merci", "bonjour",
    "can", "do", "doing", "make", "get", "want", "need", "have", "has", "know", "go", "way",
    "thing", "some", "any", "then", "thanks", "hello", "hi",
})  # fmt: skip
ACTION_WORDS = frozenset({
    "creer", "cree", "creation", "ajouter", "ajout", "nouveau", "nouvelle", "nouvel",
    "corriger", "modifier", "changer", "supprimer", "enregistrer", "voir", "afficher",
    "trouver", "gerer", "utiliser",
    "create", "add", "new", "edit", "change", "update", "delete", "remove", "save", "see",
    "show", "view", "find", "manage", "use",
})  # fmt: skip


@dataclass
class TermGroup:
    terms: dict[str, float] = field(default_factory=dict)  # term -> factor
    weight: float = 1.0  # the group's share of the question

    def offer(self, term: str, factor: float) -> None:
        self.terms[term] = max(self.terms.get(term, 0.0), factor)


def query_groups(
    query: str, language: str, idf: Mapping[str, float], indexed_words: Sequence[str]
) -> list[TermGroup]:
    """The groups of ``query`` against one language's index (its terms' idf, its words)."""
    words = content_words(query)
    stems = [stem(word, language) for word in words]
    known = vocabulary().phrases(language)
    spans = _spans(stems, known)
    groups = [_phrase_group(words, stems, start, end, known) for start, end in spans]
    # An unfinished last word (search as you type), unless it ends a phrase.
    if spans and spans[-1][1] - spans[-1][0] == 1 and len(words[-1]) >= MIN_PREFIX:
        _offer_prefixes(groups[-1], words[-1], language, idf, indexed_words)
    pairs = dict.fromkeys(f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False))
    return [*groups, *(TermGroup({pair: PAIR_WEIGHT}) for pair in pairs if pair in idf)]


def _spans(stems: list[str], known: Phrases) -> list[tuple[int, int]]:
    """The question cut into phrases: the longest known to the vocabulary, else words."""
    longest = max((len(phrase) for phrase in known), default=1)
    spans, start = [], 0
    while start < len(stems):
        size = next(
            (
                size
                for size in range(min(longest, len(stems) - start), 1, -1)
                if tuple(stems[start : start + size]) in known
            ),
            1,
        )
        spans.append((start, start + size))
        start += size
    return spans


def _phrase_group(
    words: list[str], stems: list[str], start: int, end: int, known: Phrases
) -> TermGroup:
    group = TermGroup()
    if end - start == 1:
        group.offer(stems[start], 1.0)
    else:  # a phrase: its first pair fully, each of its words a little
        group.offer(" ".join(stems[start : start + 2]), 1.0)
        for own in stems[start:end]:
            group.offer(own, PHRASE_WORD_WEIGHT)
    for synonym in known.get(tuple(stems[start:end]), ()):
        if len(synonym) == 1:
            group.offer(synonym[0], SYNONYM_WEIGHT)
        else:
            group.offer(f"{synonym[0]} {synonym[1]}", SYNONYM_WEIGHT)
            for word in synonym:
                group.offer(word, SYNONYM_WEIGHT * PHRASE_WORD_WEIGHT)
    if end - start == 1:
        word = words[start]
        group.weight = (
            WEAK_WEIGHT if word in WEAK_WORDS else ACTION_WEIGHT if word in ACTION_WORDS else 1.0
        )
    return group


def _offer_prefixes(
    group: TermGroup, last: str, language: str, idf: Mapping[str, float], words: Sequence[str]
) -> None:
    """An unfinished last word: the stems of the indexed words it begins, and a known stem
    that it begins with plus up to two letters ("crea" -> "cr" of "creer")."""
    for size in range(max(len(last) - 2, 2), len(last) + 1):
        if last[:size] in idf:
            group.offer(last[:size], PREFIX_WEIGHT)
    position = bisect_left(words, last)
    while position < len(words) and words[position].startswith(last):
        group.offer(stem(words[position], language), PREFIX_WEIGHT)
        position += 1


def concepts(question: str, language: str) -> frozenset[str]:
    """What a question is about, whatever its wording: each word named by its vocabulary
    group (one name for "ajouter", "nouveau" and "créer"), words that say little left out.
    Word by word, not by phrase: "créer un client" and "ajouter un nouveau client" must
    give the same set. The answers' second cache level compares these."""
    known = vocabulary().phrases(language)
    found = set()
    for word in content_words(question):
        if word in WEAK_WORDS:
            continue
        term = (stem(word, language),)
        found.add(min(" ".join(other) for other in (term, *known.get(term, ()))))
    return frozenset(found)
