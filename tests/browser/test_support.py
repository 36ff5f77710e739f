"""A person when the answer is not enough: "Non" asks why, then offers the support, through
the widget's own form (a HelpTicket, mailed, in the admin) or the site's support page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from help.models import HelpFeedback, HelpQuery, HelpTicket
from tests.browser.widget import Widget
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "Comment créer un client ?"
REASONS = ["Réponse fausse", "Incomplète", "Plus à jour", "Autre"]
SENT = "Votre message a été envoyé. L'équipe du support vous répondra par e-mail."


def answer_not_enough(widget: Widget, reason: str) -> None:
    """Ask, say "Non", and give the reason."""
    widget.open().ask(QUESTION)
    widget.wait_done()
    widget.last.get_by_role("button", name="Non").click()
    why = widget.last.get_by_role("group", name="Pourquoi\u00a0?")
    expect(why.get_by_role("button")).to_have_text(REASONS)
    expect(why.get_by_role("button", name=REASONS[0])).to_be_focused()  # not <body>
    why.get_by_role("button", name=reason).click()
    expect(widget.last.locator(".feedback")).to_contain_text("Merci pour votre avis.")


def test_a_visitor_says_why_and_writes_to_the_support(
    live_server, ollama, settings, mailoutbox, admin_client, widget: Widget
):
    settings.HELP = {**settings.HELP, "SUPPORT_EMAIL": "support@monchai.example"}
    make_articles()
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    answer_not_enough(widget, "Plus à jour")
    feedback = HelpFeedback.objects.get()
    assert (feedback.helpful, feedback.reason) == (False, "outdated")

    offer = widget.last.get_by_role("button", name="Contacter le support")
    expect(offer).to_be_focused()
    offer.click()
    expect(widget.view.get_by_role("heading", name="Contacter le support")).to_be_focused()
    expect(widget.exchanges).to_be_hidden()
    widget.view.get_by_label("Votre adresse e-mail").fill("jeanne@vignes.example")
    widget.view.get_by_label("Votre message").fill("Le bouton Nouveau client n'apparaît pas.")
    widget.view.get_by_role("button", name="Envoyer").click()

    expect(widget.view.locator(".notice")).to_have_text(SENT)
    expect(widget.status).to_have_text(SENT)
    expect(widget.view.get_by_role("button", name="Retour")).to_be_focused()
    ticket = HelpTicket.objects.get()
    assert ticket.message == "Le bouton Nouveau client n'apparaît pas."
    assert ticket.email == "jeanne@vignes.example"
    assert (ticket.path, ticket.lang, ticket.status) == ("/connexion/", "fr", "new")
    assert ticket.query == HelpQuery.objects.get(question=QUESTION)
    assert ticket.thread == [{"question": QUESTION, "answer": ollama.answer}]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["support@monchai.example"]
    assert "Le bouton Nouveau client n'apparaît pas." in mailoutbox[0].body
    listing = admin_client.get("/admin/help/helpticket/").content.decode()
    assert "jeanne@vignes.example" in listing

    widget.view.get_by_role("button", name="Retour").click()
    expect(widget.exchanges).to_have_count(1)
    expect(offer).to_be_focused()


def test_a_signed_in_user_gives_no_address_and_a_refusal_is_said(
    live_server, ollama, logged_in, widget: Widget
):
    make_articles()
    page = widget.page
    page.goto(f"{live_server.url}/clients/")
    answer_not_enough(widget, "Réponse fausse")
    widget.last.get_by_role("button", name="Contacter le support").click()
    expect(widget.view.get_by_label("Votre adresse e-mail")).to_have_count(0)

    message = widget.view.get_by_label("Votre message")
    message.fill("   ")  # filled, so the browser sends it; empty to the server
    widget.view.get_by_role("button", name="Envoyer").click()
    error = "Votre message n'a pas pu être envoyé. Réessayez plus tard."
    expect(widget.view.locator(".notice")).to_have_text(error)
    expect(widget.status).to_have_text(error)
    assert HelpTicket.objects.count() == 0

    message.fill("Je ne trouve pas la fiche.")
    widget.view.get_by_role("button", name="Envoyer").click()
    expect(widget.status).to_have_text(SENT)
    ticket = HelpTicket.objects.get()
    assert ticket.user == logged_in
    assert ticket.path == "/clients/"


def test_a_sites_own_support_page_replaces_the_form(live_server, ollama, settings, widget):
    settings.HELP = {**settings.HELP, "SUPPORT_URL": "/contact/"}
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    answer_not_enough(widget, "Autre")
    link = widget.last.get_by_role("link", name="Contacter le support")
    expect(link).to_have_attribute("href", "/contact/")
    expect(link).to_be_focused()
    link.click()
    expect(page).to_have_url(f"{live_server.url}/contact/")  # opened as a plain link
