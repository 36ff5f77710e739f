from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from help.answering.privacy import PLACEHOLDER, scrub
from help.answering.prompt import page_hints
from help.models import HelpQuery
from help.ops.warmup import most_asked, pre_answer
from tests.helpers import ask_stream, make_articles


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("button: Relancer jean.dupont@example.com", "jean.dupont@example.com"),
        ("h2: Écrire à m.o'neil+devis@cave-secrete.co.uk", "cave-secrete"),
        ("label: Appeler le 06 12 34 56 78", "34 56 78"),
        ("label: Appeler le +33 6 12 34 56 78", "34 56 78"),
        ("label: Appeler le +33 (0)6 12 34 56 78", "34 56 78"),
        ("label: Appeler le 06.12.34.56.78", "34.56.78"),
        ("label: Appeler le 06-12-34-56-78", "34-56-78"),
        ("label: Appeler le 0612345678", "0612345678"),
        ("label: Call (555) 123-4567", "123-4567"),
        ("label: Call +1 555 123 4567", "123 4567"),
        ("label: Call +44 20 7946 0958", "7946"),
        ("label: Call +44 121 2020 4567", "4567"),  # "2020" is no year in a phone number
        ("h1: IBAN FR76 3000 6000 0112 3456 7890 189", "3000 6000"),
        ("h1: IBAN FR7630006000011234567890189", "FR7630006000011234567890189"),
        ("h1: IBAN GB82 WEST 1234 5698 7654 32", "5698"),
        ("h1: Client n° 123456", "123456"),
        ("h1: SIREN 123 456 789", "456 789"),
        ("h1: Dossier 12.345.678", "345.678"),
        ("h1: Commande CMD-2025-004211", "004211"),
        ("h1: Carte 4970 1012 3456 7890", "3456 7890"),
        ("h1: Bordeaux 33000", "33000"),
    ],
)
def test_personal_data_becomes_the_placeholder(text, secret):
    scrubbed = scrub(text)
    assert secret not in scrubbed
    assert PLACEHOLDER in scrubbed
    assert scrubbed.split(":")[0] == text.split(":")[0]  # the hint's kind stays


def test_the_words_around_personal_data_stay():
    assert scrub("button: Relancer jean@example.com puis appeler le 06 12 34 56 78") == (
        "button: Relancer [...] puis appeler le [...]"
    )
    assert scrub("h1: Tél. 05 56 12 34 56, fax 05 56 12 34 57") == "h1: Tél. [...], fax [...]"


@pytest.mark.parametrize(
    "text",
    [
        "h1: Nouveau client",
        "h2: 3 bouteilles en stock",
        "h1: Les Coteaux 2022",
        "h2: Millésime 2022 12 bouteilles",
        "h2: Millésimes 2020-2025",
        "h2: Commande du 12/03/2025",
        "h2: Livraison le 01.12.2025",
        "button: Total 12 500,00 €",
        "button: Prix unitaire 14,50 €",
        "h3: Total TTC 1 250,00",
        "h3: Solde € 1.250,00",
        "h3: Balance $12,500.00",
        "h3: Chiffre 123456 €",
        "h3: TVA 20 %",
        "nav: Page 1 sur 12",
        "h2: Stock (12) 3 bouteilles",
        "h1: Devis D2025-0042",
        "label: Code AB12 CDEF GHIJ",
        "label: E-mail",
        "label: Téléphone",
        "h1: Clients\nnav: Devis\nbutton: Nouveau devis",
    ],
)
def test_short_numbers_years_amounts_and_words_stay(text):
    assert scrub(text) == text


@pytest.mark.parametrize(
    "iban",
    [
        "FR76 3000 6000 0112 3456 7890 189",
        "FR7630006000011234567890189",
        "GB82 WEST 1234 5698 7654 32",
        "DE89 3704 0044 0532 0130 00",
    ],
)
def test_an_iban_goes_whole(iban):
    assert scrub(f"label: IBAN {iban} (principal)") == "label: IBAN [...] (principal)"


def test_line_breaks_are_kept_between_hints():
    hints = "h1: Client\nlabel: 06 12 34 56 78\nbutton: Enregistrer"
    assert scrub(hints) == "h1: Client\nlabel: [...]\nbutton: Enregistrer"


def test_page_hints_scrub_before_capping(settings):
    settings.HELP = {**settings.HELP, "MAX_HINTS_CHARS": 12}
    # Capped first, "Client 1234…" would keep four of the number's digits.
    assert page_hints("Client 1234567890") == "Client [...]"


def test_page_hints_are_stable_once_scrubbed():
    """Warm-up asks again with the stored hints: they must give the same cache key."""
    once = page_hints("h1: Client <b>jean@example.com</b>\nlabel: +33 6 12 34 56 78")
    assert once == "h1: Client [...]\nlabel: [...]"
    assert page_hints(once) == once


@pytest.mark.django_db
def test_asked_question_logs_and_prompts_scrubbed_hints(client, ollama):
    make_articles()
    hints = (
        "h1: Fiche client\n"
        "button: Écrire à jean.dupont@example.com\n"
        "button: Appeler le 06 12 34 56 78\n"
        "label: IBAN FR76 3000 6000 0112 3456 7890 189"
    )
    # About this page: its hints are in the prompt (a "site" question's prompt has none).
    question = "Comment créer un client depuis cette page ?"
    events = ask_stream(client, question, path="/clients/1/", hints=hints)
    assert events[-1]["source"] == "model"

    stored = HelpQuery.objects.get().hints
    prompt = ollama.payloads[-1]["messages"][-1]["content"]
    for text in (stored, prompt):
        assert "h1: Fiche client" in text
        assert "button: Écrire à [...]" in text
        assert "button: Appeler le [...]" in text
        for secret in ("jean.dupont", "example.com", "06 12", "56 78", "FR76", "3000"):
            assert secret not in text, secret


@pytest.mark.django_db
def test_warm_up_answers_the_stored_scrubbed_question_under_the_widget_key(client, ollama):
    make_articles()
    hints = "h1: Fiche client\nbutton: Écrire à jean.dupont@example.com"
    ask_stream(client, "Comment créer un client ?", path="/clients/1/", hints=hints)
    assert pre_answer(most_asked(1)) == {"cache": 1}
    assert ollama.chat_requests == 1


@pytest.mark.django_db
def test_data_migration_scrubs_stored_hints(monkeypatch):
    migration = importlib.import_module("help.migrations.0004_scrub_query_hints")
    monkeypatch.setattr(migration, "BATCH", 1)  # one row a batch: every batch is crossed
    leaky = [
        HelpQuery.objects.create(
            question=f"Comment {index} ?",
            source="model",
            hints=f"h1: Fiche client\nbutton: Écrire à client{index}@example.com\n"
            f"label: 06 12 34 56 7{index}",
        )
        for index in range(3)
    ]
    plain = HelpQuery.objects.create(
        question="Où ?", source="model", hints="h1: Devis\nbutton: Total 12 500,00 €"
    )
    empty = HelpQuery.objects.create(question="Quoi ?", source="model", hints="")

    migration.scrub_stored_hints(apps, None)

    for row in leaky:
        row.refresh_from_db()
        assert row.hints == "h1: Fiche client\nbutton: Écrire à [...]\nlabel: [...]"
    plain.refresh_from_db()
    assert plain.hints == "h1: Devis\nbutton: Total 12 500,00 €"
    empty.refresh_from_db()
    assert empty.hints == ""
