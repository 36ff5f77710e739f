"""Small helpers shared by the API and pipeline tests."""

from __future__ import annotations

import json
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client

from help.models import HelpArticle

ARTICLES = [
    ("creer-un-client", "fr", "Créer un client", "/clients/nouveau/",
     "Ajoutez un client.\n\n1. Ouvrez **Clients**.\n2. Cliquez sur **Nouveau client**.\n"
     "3. Remplissez le nom.\n4. Cliquez sur **Enregistrer**."),
    ("creer-un-client", "en", "Create a client", "/clients/nouveau/",
     "Add a client.\n\n1. Open **Clients**.\n2. Click **Nouveau client** (New client).\n"
     "3. Fill in the name.\n4. Click **Enregistrer** (Save)."),
    ("faire-un-devis", "fr", "Faire un devis", "/devis/nouveau/",
     "Préparez un devis.\n\n1. Ouvrez **Devis**.\n2. Cliquez sur **Nouveau devis**.\n"
     "3. Choisissez le client.\n4. Ajoutez les lignes."),
]  # fmt: skip


def make_articles() -> list[HelpArticle]:
    return [
        HelpArticle.objects.create(
            slug=slug, language=lang, title=title, path_prefix=path, body=body
        )
        for slug, lang, title, path, body in ARTICLES
    ]


def ask(client: Client, question: str, **fields: Any) -> tuple[int, dict[str, Any]]:
    response = client.post(
        "/help/ask", {"question": question, **fields}, content_type="application/json"
    )
    return response.status_code, response.json()


def ask_stream(client: Client, question: str, **fields: Any) -> list[dict[str, Any]]:
    response = client.post(
        "/help/ask/stream", {"question": question, **fields}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    body = b"".join(response.streaming_content).decode()
    return [json.loads(line) for line in body.splitlines() if line]


class RefusingMailBackend(BaseEmailBackend):
    """A mail server that is down, for ``settings.EMAIL_BACKEND``."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("the mail server is down")
