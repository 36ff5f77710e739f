"""Curated answers in the admin: writing, reviewing, and promoting from the log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from help.answering.curated import find_curated
from help.models import HelpArticle, HelpCuratedAnswer, HelpFeedback, HelpQuery
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db

CURATED = "/admin/help/helpcuratedanswer/"
QUERIES = "/admin/help/helpquery/"
FEEDBACK = "/admin/help/helpfeedback/"
ANSWER = "1. Ouvrez **Clients**.\n2. Cliquez sur **Nouveau client**."


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def articles() -> list[HelpArticle]:
    articles = make_articles()
    HelpArticle.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    return articles


def curate(question: str = "Comment créer un client ?", **fields) -> HelpCuratedAnswer:
    cites = fields.pop("cites", [])
    curated = HelpCuratedAnswer.objects.create(
        question=question, **{"language": "fr", "answer": ANSWER, **fields}
    )
    curated.articles.set(cites)
    return curated


def listed(html: str) -> list[str]:
    return re.findall(r'<th class="field-short_question"><a [^>]*>([^<]*)</a>', html)


def form_data(**fields) -> dict:
    return {
        "question": "Comment créer un client ?",
        "phrasings": "ajouter un client\nnouvelle fiche client",
        "language": "fr",
        "path_prefix": "/clients/",
        "answer": ANSWER,
        "active": "on",
        **fields,
    }


# -- writing ---------------------------------------------------------------------------------


def test_staff_write_a_curated_answer_and_it_is_served(admin_client, admin_user, articles):
    assert admin_client.get(f"{CURATED}add/").status_code == 200
    response = admin_client.post(f"{CURATED}add/", form_data(articles=[articles[0].pk]))
    assert response.status_code == 302
    curated = HelpCuratedAnswer.objects.get()
    assert curated.created_by == curated.updated_by == curated.reviewed_by == admin_user
    assert list(curated.articles.all()) == [articles[0]]
    hit = find_curated("nouvelle fiche client", "fr", "/clients/nouveau/")
    assert hit is not None
    assert hit.slugs == ("creer-un-client",)


def test_the_change_page_previews_the_answer_and_shows_its_history(admin_client, admin_user):
    curated = curate(created_by=admin_user)
    html = admin_client.get(f"{CURATED}{curated.pk}/change/").content.decode()
    preview = html[html.index('class="help-admin-preview"') :]
    assert "<li>Ouvrez <strong>Clients</strong>.</li>" in preview
    assert "Created by" in html
    assert "help/admin.css" in html


def test_the_add_page_has_no_preview(admin_client):
    html = admin_client.get(f"{CURATED}add/").content.decode()
    assert "help-admin-preview" not in html
    assert 'name="_save"' in html


def test_saving_in_the_admin_counts_as_a_review(admin_client, articles):
    curated = curate(cites=[articles[0]])
    articles[0].save()
    assert HelpCuratedAnswer.with_review_state().get().needs_review
    data = form_data(question=curated.question, articles=[articles[0].pk])
    assert admin_client.post(f"{CURATED}{curated.pk}/change/", data).status_code == 302
    assert not HelpCuratedAnswer.with_review_state().get().needs_review


# -- the list and review ---------------------------------------------------------------------


def test_the_list_filters_by_language_review_and_active(admin_client, articles):
    changed = curate(cites=[articles[0]])
    curate("Comment faire un devis ?", cites=[articles[2]])
    curate("How do I create a client?", language="en")
    curate("Ancienne réponse", active=False)
    articles[0].title = "Ajouter un client"
    articles[0].save()

    html = admin_client.get(CURATED).content.decode()
    assert len(listed(html)) == 4
    assert html.count("⚠ a cited article changed") == 1
    needing = admin_client.get(CURATED, {"needs_review": "1"}).content.decode()
    assert listed(needing) == [changed.question]
    assert len(listed(admin_client.get(CURATED, {"needs_review": "0"}).content.decode())) == 3
    english = admin_client.get(CURATED, {"language__exact": "en"}).content.decode()
    assert listed(english) == ["How do I create a client?"]
    inactive = admin_client.get(CURATED, {"active__exact": "0"}).content.decode()
    assert listed(inactive) == ["Ancienne réponse"]


def test_the_change_page_names_the_articles_changed_since_the_review(admin_client, articles):
    curated = curate(cites=[articles[0], articles[2]])
    articles[2].save()
    html = admin_client.get(f"{CURATED}{curated.pk}/change/").content.decode()
    changed = html[html.index("field-changed_articles") :]
    changed = changed[: changed.index("</div>\n")]
    assert f'href="/admin/help/helparticle/{articles[2].pk}/change/"' in changed
    assert "Faire un devis" in changed
    assert "Créer un client" not in changed


def test_mark_reviewed_clears_the_flag(admin_client, admin_user, articles):
    curated = curate(cites=[articles[0]])
    other = curate("Comment faire un devis ?", cites=[articles[2]])
    articles[0].save()
    response = admin_client.post(
        CURATED, {"action": "mark_reviewed", "_selected_action": [curated.pk]}, follow=True
    )
    assert "1 curated answer marked reviewed." in response.content.decode()
    states = dict(HelpCuratedAnswer.with_review_state().values_list("pk", "needs_review"))
    assert states == {curated.pk: False, other.pk: False}
    curated.refresh_from_db()
    assert curated.reviewed_by == admin_user


# -- promoting -------------------------------------------------------------------------------


def logged(question: str = "Comment ajouter un client ?", **fields) -> HelpQuery:
    defaults = {
        "source": "model",
        "lang": "fr",
        "path": "/clients/nouveau/",
        "answer": "Ouvrez **Clients** puis **Nouveau client**.",
        "cited_slugs": " creer-un-client faire-un-devis ",
    }
    return HelpQuery.objects.create(question=question, **{**defaults, **fields})


def test_promoting_a_logged_question_prefills_the_form(admin_client, articles):
    query = logged()
    response = admin_client.post(QUERIES, {"action": "promote", "_selected_action": [query.pk]})
    assert response.status_code == 302
    assert response["Location"] == f"{CURATED}add/?from_query={query.pk}"

    html = admin_client.get(response["Location"]).content.decode()
    assert 'value="Comment ajouter un client ?"' in html
    assert "Ouvrez **Clients** puis **Nouveau client**.</textarea>" in html
    assert 'name="path_prefix" value="/clients/"' in html
    assert re.search(r'<option value="fr" selected>', html)
    for article in articles[0], articles[2]:
        assert re.search(rf'<option value="{article.pk}" selected>', html)

    # The staff member edits, then saves: only then does it exist.
    assert not HelpCuratedAnswer.objects.exists()
    data = form_data(question=query.question, articles=[articles[0].pk])
    assert admin_client.post(response["Location"], data).status_code == 302
    assert HelpCuratedAnswer.objects.get().question == "Comment ajouter un client ?"


def test_promoting_cites_articles_in_the_question_s_language(admin_client, articles):
    query = logged("How do I add a client?", lang="en", cited_slugs=" creer-un-client ")
    html = admin_client.get(f"{CURATED}add/", {"from_query": query.pk}).content.decode()
    assert re.search(rf'<option value="{articles[1].pk}" selected>', html)
    assert not re.search(rf'<option value="{articles[0].pk}" selected>', html)


def test_a_question_asked_on_the_home_page_is_promoted_for_every_page(admin_client):
    query = logged(path="/")
    html = admin_client.get(f"{CURATED}add/", {"from_query": query.pk}).content.decode()
    field = re.search(r'<input [^>]*name="path_prefix"[^>]*>', html)[0]
    assert "value=" not in field


def test_promoting_wants_exactly_one_question(admin_client):
    queries = [logged(), logged("Comment faire un devis ?")]
    response = admin_client.post(
        QUERIES,
        {"action": "promote", "_selected_action": [query.pk for query in queries]},
        follow=True,
    )
    assert "Select one question to promote." in response.content.decode()


def test_promoting_helpful_feedback_prefills_the_form(admin_client):
    query = logged()
    feedback = HelpFeedback.objects.create(query=query, helpful=True)
    response = admin_client.post(FEEDBACK, {"action": "promote", "_selected_action": [feedback.pk]})
    assert response["Location"] == f"{CURATED}add/?from_query={query.pk}"


def test_unhelpful_feedback_is_not_promoted(admin_client):
    feedback = HelpFeedback.objects.create(query=logged(), helpful=False)
    response = admin_client.post(
        FEEDBACK, {"action": "promote", "_selected_action": [feedback.pk]}, follow=True
    )
    assert "Only an answer marked helpful can be promoted." in response.content.decode()


def test_promoting_needs_the_right_to_add_curated_answers(client):
    staff = User.objects.create_user("lecteur", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_helpquery"))
    client.force_login(staff)
    html = client.get(QUERIES).content.decode()
    assert 'value="promote"' not in html
    query = logged()
    response = client.post(QUERIES, {"action": "promote", "_selected_action": [query.pk]})
    assert response.status_code == 200  # an action it may not run: the list again

    staff.user_permissions.add(Permission.objects.get(codename="add_helpcuratedanswer"))
    assert 'value="promote"' in client.get(QUERIES).content.decode()


def test_the_form_is_prefilled_only_for_staff_who_may_read_the_log(client):
    staff = User.objects.create_user("auteur", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="add_helpcuratedanswer"))
    client.force_login(staff)
    query = logged()
    html = client.get(f"{CURATED}add/", {"from_query": query.pk}).content.decode()
    assert "Comment ajouter un client ?" not in html
    assert client.get(f"{CURATED}add/", {"from_query": "not-a-uuid"}).status_code == 200
