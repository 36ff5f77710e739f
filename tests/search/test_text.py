from __future__ import annotations

import pytest

from help.search.text import fold, words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Comment créer un client ?", "comment creer un client"),
        ("  ÉTÉ,   çà  et là!! ", "ete ca et la"),
        ("Œnologie & cœur", "oenologie coeur"),
        ("l’état\u200bdu\x00stock", "l etat du stock"),
        ("", ""),
    ],
)
def test_fold_removes_case_accents_punctuation_and_extra_spacing(text, folded):
    assert fold(text) == folded


def test_words_are_the_folded_words():
    assert words("Créer un CLIENT !") == ["creer", "un", "client"]
