from __future__ import annotations

import pytest

from help.search.languages import normalise_language, question_language


@pytest.mark.parametrize(
    ("value", "expected"),
    [("fr", "fr"), ("en-gb", "en"), ("EN", "en"), ("de", "fr"), (None, "fr"), ("", "fr")],
)
def test_language_codes_are_normalised_to_fr_or_en(value, expected):
    assert normalise_language(value) == expected


@pytest.mark.parametrize(
    ("question", "page", "expected"),
    [
        ("how do I add a customer", "fr", "en"),
        ("how do I do a Sortie", "fr", "en"),
        ("where is Nouveau devis", "fr", "en"),
        ("comment je fais une sortie", "en", "fr"),
        ("mot de passe oublié", "en", "fr"),
        ("Comment faire un devis ? stock out", "fr", "fr"),
        ("tva", "fr", "fr"),
        ("tva", "en", "en"),
        ("pdf devis", "en", "en"),
    ],
)
def test_the_questions_own_words_decide_its_language(question, page, expected):
    assert question_language(question, page) == expected
