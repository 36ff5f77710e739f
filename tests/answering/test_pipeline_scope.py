"""Follow-ups and page scope through the pipeline, on the demo's articles and vocabulary.

The stand-in records every prompt: what the model was given is asserted, not guessed.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.retrieval_eval import Outcome, evaluate, load_items, score
from help.answering.follow_ups import Turn
from help.answering.pipeline import Question, Run
from help.models import HelpArticle, HelpCuratedAnswer
from help.ops.warmup import pre_answer
from help.shared_state.safe_cache import safe_cache
from monchai.help_articles import load_articles

pytestmark = pytest.mark.django_db

QUOTE = Turn("Comment faire un devis ?", "Ouvrez **Devis** puis cliquez sur **Nouveau devis**.")
CLIENT = Turn("Comment créer un client ?", "Ouvrez **Clients** puis cliquez sur Nouveau client.")


@pytest.fixture(autouse=True)
def demo_articles():
    load_articles()


def ask(text: str, context: tuple[Turn, ...] = (), **fields: Any) -> list[dict[str, Any]]:
    question = Question(text=text, context=context, **fields)
    return list(Run.start(question, stream=True).events())


def prompt_of(ollama) -> str:
    return ollama.payloads[-1]["messages"][-1]["content"]


# -- page scope ------------------------------------------------------------------------------


def test_a_question_the_page_does_not_change_is_answered_once_for_the_whole_site(ollama):
    first = ask("Comment créer un client ?", path="/devis/", hints="h1: Devis")
    assert (first[0]["scope"], first[-1]["scope"]) == ("site", "site")
    assert "<<<PAGE" not in prompt_of(ollama)
    assert "Devis" not in prompt_of(ollama).split("<<<ARTICLES")[0]
    again = ask("Comment créer un client ?", path="/clients/12/", hints="h1: Fiche client")
    assert (again[-1]["source"], again[-1]["match"], again[-1]["scope"]) == (
        "cache",
        "exact",
        "site",
    )
    assert ollama.chat_requests == 1


def test_a_question_about_the_page_is_answered_for_that_page(ollama):
    events = ask("Que fait ce bouton ?", path="/devis/", hints="button: Nouveau devis")
    assert events[-1]["scope"] == "page"
    assert "PATH: /devis/\nbutton: Nouveau devis" in prompt_of(ollama)
    elsewhere = ask("Que fait ce bouton ?", path="/clients/", hints="button: Nouveau client")
    assert elsewhere[-1]["source"] == "model"
    assert (
        ask("Que fait ce bouton ?", path="/devis/", hints="button: Nouveau devis")[-1]["source"]
        == "cache"
    )
    assert ollama.chat_requests == 2


def test_naming_the_page_is_enough_to_make_a_page_answer(ollama):
    # The same article on every page, but the question is about this one.
    events = ask("Comment créer un client depuis cette page ?", path="/clients/", hints="h1: X")
    assert events[-1]["scope"] == "page"
    assert "PATH: /clients/\nh1: X" in prompt_of(ollama)
    assert ask("Comment créer un client depuis cette page ?", path="/devis/")[-1]["source"] == (
        "model"
    )


def test_a_page_that_would_change_the_best_article_keeps_its_answer(ollama):
    # "modifier" finds the quote and the client articles close together: each page's boost
    # decides, so each page has its answer.
    on_clients = ask("Comment modifier ?", path="/clients/")
    on_quotes = ask("Comment modifier ?", path="/devis/")
    assert [events[-1]["scope"] for events in (on_clients, on_quotes)] == ["page", "page"]
    assert on_clients[0]["sources"][0]["url"].startswith("/help/articles/modifier-un-client/")
    assert on_quotes[0]["sources"][0]["url"].startswith("/help/articles/modifier-un-devis/")
    assert "PATH: /devis/" in prompt_of(ollama)
    assert ollama.chat_requests == 2


def test_the_stored_entry_records_its_scope(ollama):
    site = Run.start(Question("Comment créer un client ?", path="/devis/"), stream=False)
    site.result()
    page = Run.start(Question("Que fait ce bouton ?", path="/devis/"), stream=False)
    page.result()
    assert safe_cache.get(site.key)["scope"] == "site"
    assert safe_cache.get(page.key)["scope"] == "page"
    assert site.key != page.key


def test_a_hit_reads_both_keys_in_one_round_trip(ollama, redis_cache):
    ask("Comment créer un client ?", path="/devis/")
    with redis_cache.monitor() as commands:
        run = Run.start(Question("Comment créer un client ?", path="/clients/"), stream=False)
    assert run.cached is not None
    answer_reads = [c for c in commands() if any("help:answer:" in arg for arg in c[1:])]
    assert len(answer_reads) == 1
    assert answer_reads[0][0] == "MGET"
    assert len(answer_reads[0]) == 3  # the site's key and the page's
    assert "retrieval_ms" not in run.timings  # no search on a hit


def test_a_hit_costs_two_reads_the_versions_then_the_answers(ollama, redis_cache):
    ask("Comment créer un client ?", path="/clients/")
    with redis_cache.monitor() as commands:
        run = Run.start(Question("Comment créer un client ?", path="/clients/"), stream=False)
    assert run.cached is not None
    seen = commands()
    assert [command[0] for command in seen] == ["MGET", "MGET"], seen
    versions = seen[0][1:]
    assert any("help:articles-version" in key for key in versions)
    assert any("help:curated-version" in key for key in versions)


def test_the_json_result_says_scope_and_follow_up(ollama):
    result = Run.start(Question("Comment créer un client ?"), stream=False).result()
    assert (result["scope"], result["follow_up"]) == ("site", False)


def test_a_curated_answer_is_site_wide_unless_tied_to_a_section(ollama):
    article = HelpArticle.objects.get(slug="creer-un-client", language="fr")
    everywhere = HelpCuratedAnswer.objects.create(
        question="Comment ajouter un client ?", language="fr", answer="Partout."
    )
    everywhere.articles.set([article])
    HelpCuratedAnswer.objects.create(
        question="Comment exporter le stock ?", language="fr", answer="Ici.", path_prefix="/stock/"
    )
    site = ask("Comment ajouter un client ?", path="/devis/")
    page = ask("Comment exporter le stock ?", path="/stock/")
    assert (site[-1]["match"], site[0]["scope"], site[-1]["scope"]) == ("curated", "site", "site")
    assert (page[-1]["match"], page[-1]["scope"]) == ("curated", "page")
    assert not page[-1]["follow_up"]


def test_site_answers_find_the_articles_the_page_would_on_the_evaluation_set():
    """The retrieval evaluation's questions, asked on their pages through the pipeline: most
    are answered for the whole site, and their articles score as the page's search does."""
    items = load_items()
    outcomes, site = [], 0
    for item in items:
        run = Run.start(Question(item.question, item.page_lang, item.path), stream=True)
        site += run.scope == "site"
        got = tuple((article.slug, article.score) for article in run.articles)
        outcomes.append(Outcome(item=item, searched_lang=run.question.lang, got=got))
    pipeline, searched = score(outcomes), evaluate(items).score()
    assert site >= 0.75 * len(items)  # 151 of 194
    assert (pipeline.hit1, pipeline.hit3) == (searched.hit1, searched.hit3)
    assert pipeline.mrr == pytest.approx(searched.mrr, abs=0.005)


# -- follow-ups ------------------------------------------------------------------------------


def test_a_follow_up_uses_the_previous_turn_in_its_prompt_and_search(ollama):
    events = ask("how do I edit it?", (Turn("How do I create a client?", "Open Clients."),))
    assert (events[0]["follow_up"], events[-1]["follow_up"]) == (True, True)
    assert events[0]["sources"][0]["url"].startswith("/help/articles/modifier-un-client/")
    prompt = prompt_of(ollama)
    context = prompt[prompt.index("<<<CONTEXT") : prompt.index("CONTEXT>>>")]
    assert "Q: How do I create a client?\nA: Open Clients." in context
    # After a question about quotes, the same words are about quotes.
    after_quote = ask("how do I edit it?", (Turn("How do I create a quote?", "Open Quotes."),))
    assert after_quote[0]["sources"][0]["url"].startswith("/help/articles/modifier-un-devis/")
    assert ollama.chat_requests == 2


def test_a_self_contained_question_with_a_context_hits_the_entry_of_one_without(ollama):
    assert ask("Comment créer un client ?", path="/clients/")[-1]["source"] == "model"
    other_user = ask("Comment créer un client ?", (QUOTE,), path="/devis/")
    assert (other_user[-1]["source"], other_user[-1]["match"]) == ("cache", "exact")
    assert other_user[-1]["follow_up"] is False
    assert ollama.chat_requests == 1


def test_a_self_contained_question_gets_the_same_key_prompt_and_articles_with_a_context():
    alone = Run.start(Question("Comment faire un devis ?", path="/devis/"), stream=True)
    with_context = Run.start(
        Question("Comment faire un devis ?", path="/devis/", context=(CLIENT, QUOTE)), stream=True
    )
    assert with_context.key == alone.key
    assert with_context.messages == alone.messages
    assert with_context.articles == alone.articles
    assert with_context.meaning == alone.meaning


def test_a_follow_up_has_its_own_key_for_each_context(ollama):
    plain = Run.start(Question("et ensuite ?", path="/devis/"), stream=True)
    after_quote = Run.start(Question("et ensuite ?", path="/devis/", context=(QUOTE,)), stream=True)
    after_client = Run.start(
        Question("et ensuite ?", path="/devis/", context=(CLIENT,)), stream=True
    )
    assert not plain.follow_up and after_quote.follow_up and after_client.follow_up
    assert len({plain.key, after_quote.key, after_client.key}) == 3
    # The same context again: the same answer, from the cache.
    list(after_quote.events())
    again = ask("Et ensuite ?", (QUOTE,), path="/devis/")
    assert (again[-1]["source"], again[-1]["follow_up"]) == ("cache", True)


def test_a_follow_up_is_never_served_by_meaning_nor_serves_one(ollama):
    run = Run.start(Question("comment je l'envoie ?", context=(QUOTE,)), stream=True)
    assert run.follow_up and run.meaning is None
    list(run.events())
    # The same concepts asked alone do not get the follow-up's answer by meaning.
    alone = ask("comment j'envoie ?")
    assert (alone[-1]["source"], alone[-1]["match"]) == ("model", "")


def test_a_follow_up_on_a_page_question_keeps_the_page(ollama):
    context = (Turn("Que fait ce bouton ?", "Il crée un devis."),)
    events = ask("Et ensuite ?", context, path="/devis/", hints="button: Nouveau devis")
    assert (events[-1]["follow_up"], events[-1]["scope"]) == (True, "page")
    assert "<<<PAGE" in prompt_of(ollama)


def test_the_fallback_uses_the_follow_ups_search(ollama):
    ollama.set_mode("down")
    events = ask("how do I edit it?", (Turn("How do I create a quote?", "Open Quotes."),))
    assert events[-1]["source"] == "fallback"
    assert "**Edit a quote**" in events[-1]["answer"].split("\n\n")[1]


# -- pre-answering ---------------------------------------------------------------------------


def test_pre_answering_fills_the_key_users_hit(ollama):
    asked = [
        Question("Comment créer un client ?", "fr", "/devis/", "h1: Devis"),
        Question("Que fait ce bouton ?", "fr", "/devis/", "button: Nouveau devis"),
    ]
    assert pre_answer(asked) == {"model": 2}
    site = ask("Comment créer un client ?", (QUOTE,), path="/stock/", hints="h1: Stock")
    page = ask("Que fait ce bouton ?", path="/devis/", hints="button: Nouveau devis")
    assert [events[-1]["source"] for events in (site, page)] == ["cache", "cache"]
    assert ollama.chat_requests == 2
