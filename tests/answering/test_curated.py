"""The third level: curated answers, found by text or meaning, from an in-process table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from help.answering.curated import CURATED_VERSION_KEY, find_curated
from help.models import HelpArticle, HelpCuratedAnswer
from help.search.version import articles_version
from help.shared_state.safe_cache import safe_cache
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db

ANSWER = "1. Ouvrez **Clients**.\n2. Cliquez sur **Nouveau client**."


@pytest.fixture
def articles() -> list[HelpArticle]:
    return make_articles()


def curate(question: str = "Comment créer un client ?", **fields) -> HelpCuratedAnswer:
    cites = fields.pop("cites", [])
    curated = HelpCuratedAnswer.objects.create(
        question=question, **{"language": "fr", "answer": ANSWER, **fields}
    )
    curated.articles.set(cites)
    return curated


# -- matching ------------------------------------------------------------------------------


def test_the_question_in_other_case_accents_and_punctuation_is_an_exact_hit(articles):
    curated = curate(cites=[articles[0]])
    hit = find_curated("comment  CREER un client", "fr", "/clients/")
    assert hit is not None
    assert (hit.id, hit.answer, hit.match) == (curated.pk, ANSWER, "exact")
    assert hit.sources == [{"title": "Créer un client", "url": articles[0].get_absolute_url()}]
    assert hit.slugs == ("creer-un-client",)


def test_an_alternate_phrasing_is_an_exact_hit():
    curated = curate(phrasings="je veux un nouveau compte client\n\n  fiche client svp  \n")
    assert find_curated("Fiche client, SVP !", "fr", "/").id == curated.pk
    assert find_curated("je veux un nouveau compte client", "fr", "/").match == "exact"


@pytest.mark.parametrize(
    "question", ["comment ajouter un nouveau client", "créer client", "ajouter un client ?"]
)
def test_the_same_question_in_other_words_is_a_similar_hit(question):
    curated = curate()
    hit = find_curated(question, "fr", "/clients/")
    assert hit is not None
    assert (hit.id, hit.match) == (curated.pk, "similar")


def test_a_meaning_match_may_come_from_any_phrasing():
    curated = curate("Où voir le stock ?", phrasings="stock inférieur à 10")
    assert find_curated("Stock inférieur à 10 ?", "fr", "/stock/").match == "exact"
    assert find_curated("voir l'inventaire", "fr", "/stock/").id == curated.pk


@pytest.mark.parametrize(
    ("curated_question", "asked"),
    [
        ("Comment créer un client ?", "Je ne peux pas créer de client"),  # negation
        ("Comment créer un client ?", "Comment supprimer un client ?"),  # another action
        ("Comment créer un client ?", "Comment créer un devis ?"),  # another object
        ("stock inférieur à 10", "stock inférieur à 100"),  # another number
        ("stock < 10", "stock > 10"),  # another comparison
        ("Comment faire un devis ?", "Comment faire un devis ? 🔑"),  # text concepts miss
    ],
)
def test_a_guard_keeps_apart_what_looks_alike(curated_question, asked):
    curate(curated_question)
    assert find_curated(asked, "fr", "/") is None


def test_a_question_with_no_concept_matches_its_exact_text_only():
    curate("comment faire ?")
    assert find_curated("Comment faire", "fr", "/").match == "exact"
    assert find_curated("comment ça marche ?", "fr", "/") is None


def test_only_the_answer_s_language_is_served():
    curate()
    assert find_curated("Comment créer un client ?", "en", "/") is None
    curate("How do I create a client?", language="en", answer="Open **Clients**.")
    english = find_curated("how can I add a new client", "en", "/")
    assert english.answer == "Open **Clients**."
    assert find_curated("Comment créer un client ?", "fr-FR", "/").answer == ANSWER


@pytest.mark.parametrize(
    ("path", "served"),
    [
        ("/clients/", True),
        ("/clients", True),
        ("/clients/nouveau/", True),
        ("/clientsx/", False),
        ("/devis/", False),
        ("", False),
    ],
)
def test_a_section_is_respected(path, served):
    curate(path_prefix="/clients/")
    assert (find_curated("Comment créer un client ?", "fr", path) is not None) is served


def test_an_answer_with_no_section_or_the_root_is_served_everywhere():
    curate(path_prefix="/")
    curate("Comment me déconnecter ?")
    assert find_curated("Comment créer un client ?", "fr", "/stock/42/") is not None
    assert find_curated("Comment me déconnecter ?", "fr", "") is not None


def test_the_most_specific_section_wins_and_exact_beats_similar():
    anywhere = curate(answer="Partout.")
    on_clients = curate(path_prefix="/clients/", answer="Sur la page clients.")
    similar = curate("ajouter un client", path_prefix="/clients/nouveau/", answer="Autre.")
    assert find_curated("Comment créer un client ?", "fr", "/clients/").id == on_clients.pk
    assert find_curated("Comment créer un client ?", "fr", "/devis/").id == anywhere.pk
    hit = find_curated("Comment créer un client ?", "fr", "/clients/nouveau/")
    assert (hit.id, hit.match) == (on_clients.pk, "exact")
    assert find_curated("ajouter un client", "fr", "/clients/nouveau/").id == similar.pk


def test_an_inactive_answer_is_never_served():
    curated = curate(active=False)
    assert find_curated("Comment créer un client ?", "fr", "/") is None
    curated.active = True
    curated.save()
    assert find_curated("Comment créer un client ?", "fr", "/") is not None


def test_no_curated_answer_at_all_is_no_hit():
    assert find_curated("Comment créer un client ?", "fr", "/") is None


# -- the table -------------------------------------------------------------------------------


def test_lookups_read_the_table_without_a_database_query(django_assert_num_queries):
    curate()
    find_curated("Comment créer un client ?", "fr", "/")  # builds the table
    with django_assert_num_queries(0):
        for question in ("Comment créer un client ?", "ajouter un client", "Comment vendre ?"):
            find_curated(question, "fr", "/clients/")


def test_the_table_follows_an_edit_then_goes_back_to_no_query(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    curated = curate()
    assert find_curated("Comment créer un client ?", "fr", "/").answer == ANSWER
    with django_capture_on_commit_callbacks(execute=True):
        curated.answer = "Nouvelle réponse."
        curated.phrasings = "nouvelle fiche client"
        curated.save()
    assert safe_cache.get(CURATED_VERSION_KEY) is not None  # stored again on commit
    assert find_curated("Comment créer un client ?", "fr", "/").answer == "Nouvelle réponse."
    with django_assert_num_queries(0):
        assert find_curated("Nouvelle fiche client", "fr", "/").id == curated.pk


def test_a_new_deleted_or_recited_answer_changes_the_table(articles):
    curated = curate()
    assert find_curated("Comment créer un client ?", "fr", "/").sources == []
    curated.articles.add(articles[0])  # m2m_changed alone, no save
    assert find_curated("Comment créer un client ?", "fr", "/").slugs == ("creer-un-client",)
    curate("Comment faire un devis ?", answer="Devis.")
    assert find_curated("Comment faire un devis ?", "fr", "/").answer == "Devis."
    curated.delete()
    assert find_curated("Comment créer un client ?", "fr", "/") is None


def test_an_edited_or_deleted_article_refreshes_the_sources(articles):
    curate(cites=[articles[0], articles[2]])
    find_curated("Comment créer un client ?", "fr", "/")
    articles[0].title = "Ajouter un client"
    articles[0].save()  # bumps the articles version, part of the table's token
    articles[2].delete()
    hit = find_curated("Comment créer un client ?", "fr", "/")
    assert [source["title"] for source in hit.sources] == ["Ajouter un client"]


def test_an_edit_another_process_made_is_seen_once_the_version_changes(
    django_assert_num_queries,
):
    curated = curate()
    find_curated("Comment créer un client ?", "fr", "/")
    # Written without signals, as a process that never imported the module would.
    HelpCuratedAnswer.objects.filter(pk=curated.pk).update(answer="Changé ailleurs.")
    with django_assert_num_queries(0):
        assert find_curated("Comment créer un client ?", "fr", "/").answer == ANSWER
    safe_cache.delete(CURATED_VERSION_KEY)  # expired: recomputed from the database
    HelpCuratedAnswer.objects.filter(pk=curated.pk).update(updated_at=timezone.now())
    assert find_curated("Comment créer un client ?", "fr", "/").answer == "Changé ailleurs."


def test_the_caller_may_pass_the_articles_version(django_assert_num_queries):
    curate()
    version = articles_version()
    assert find_curated("Comment créer un client ?", "fr", "/", version=version) is not None
    with django_assert_num_queries(0):
        assert find_curated("créer client", "fr", "/", version=version) is not None


def test_curated_answers_survive_a_cache_clear(redis_cache):
    curate()
    assert find_curated("Comment créer un client ?", "fr", "/") is not None
    redis_cache.flush()
    assert find_curated("Comment créer un client ?", "fr", "/") is not None


def test_a_cache_outage_costs_no_query_per_question(redis_cache, django_assert_num_queries):
    curate()
    find_curated("Comment créer un client ?", "fr", "/")
    redis_cache.stop()
    find_curated("Comment créer un client ?", "fr", "/")  # the outage is noticed
    with django_assert_num_queries(0):
        for _ in range(3):
            assert find_curated("Comment créer un client ?", "fr", "/").answer == ANSWER


# -- review ----------------------------------------------------------------------------------


def needs_review(curated: HelpCuratedAnswer) -> bool:
    return HelpCuratedAnswer.with_review_state().get(pk=curated.pk).needs_review


def test_an_edit_of_a_cited_article_marks_the_answer_for_review(articles):
    HelpArticle.objects.update(updated_at=timezone.now() - timedelta(minutes=1))
    curated = curate(cites=[articles[0]])
    other = curate("Comment faire un devis ?", cites=[articles[2]])
    assert not needs_review(curated)

    articles[0].body += "\n5. Vérifiez la fiche."
    articles[0].save()
    assert needs_review(curated)
    assert not needs_review(other)
    curated.refresh_from_db()
    assert list(curated.changed_articles()) == [articles[0]]

    HelpCuratedAnswer.objects.filter(pk=curated.pk).update(reviewed_at=timezone.now())
    assert not needs_review(curated)


def test_an_article_edited_before_the_answer_was_written_needs_no_review(articles):
    articles[0].save()
    curated = curate(cites=[articles[0]])
    assert not needs_review(curated)
    assert list(curated.changed_articles()) == []
