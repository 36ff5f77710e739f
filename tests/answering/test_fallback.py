from __future__ import annotations

from dataclasses import replace

from help.answering.fallback import build_fallback, first_steps
from help.search.index import MIN_SCORE, ScoredArticle


def article(body: str, title: str = "Créer un client", lang: str = "fr") -> ScoredArticle:
    return ScoredArticle(
        slug="creer-un-client",
        title=title,
        language=lang,
        url=f"/help/articles/creer-un-client/?lang={lang}",
        path_prefix="/clients/",
        body=body,
        score=1.0,
    )


STEPS = "Résumé.\n\n1. Ouvrez **Clients**.\n2. Cliquez.\n3. Remplissez.\n4. Enregistrez.\n5. Fin."


def test_first_steps_are_the_articles_numbered_steps():
    assert first_steps(STEPS) == ["Ouvrez **Clients**.", "Cliquez.", "Remplissez.", "Enregistrez."]


def test_an_article_without_steps_gives_its_opening_text():
    assert first_steps("## Titre\n\nUne explication **courte**.") == [
        "Titre Une explication courte."
    ]


def test_french_fallback_says_the_assistant_is_slow_and_links_the_article():
    answer = build_fallback([article(STEPS)], "fr")
    assert answer.startswith("L'assistant est lent ou indisponible")
    assert "1. Ouvrez **Clients**." in answer
    assert "[Lire l'article](/help/articles/creer-un-client/?lang=fr)" in answer


def test_english_fallback_is_in_english():
    answer = build_fallback([article(STEPS, "Create a client", "en")], "en")
    assert answer.startswith("The assistant is slow or unavailable")
    assert "[Read the article](/help/articles/creer-un-client/?lang=en)" in answer


def test_no_matching_article_says_so_and_offers_the_search():
    answer = build_fallback([], "fr", "Où est la météo ?")
    assert "aucun article d'aide" in answer
    assert "[Chercher dans les articles d'aide](/help/articles/?lang=fr&q=O%C3%B9+est+la" in answer


def test_a_weak_match_is_never_printed_as_the_answer():
    weak = replace(article(STEPS, "Se déconnecter"), score=MIN_SCORE / 2)
    answer = build_fallback([weak], "fr", "Où est la météo ?")
    assert "Se déconnecter" not in answer
    assert "aucun article d'aide" in answer


def test_at_most_two_articles_are_summarised():
    answer = build_fallback([article(STEPS, f"Article {n}") for n in range(4)], "fr")
    assert answer.count("**Article") == 2
