from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from help.models import HelpArticle
from monchai.models import Client, Cuvee, Quote, QuoteLine, StockMovement

pytestmark = pytest.mark.django_db

MODELS = [Client, Cuvee, Quote, QuoteLine, StockMovement, HelpArticle]

ARTICLE = """---
title: Créer un client
path: /clients/nouveau/
---
Cliquez sur **Nouveau client**.
"""


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_running_twice_leaves_the_same_counts() -> None:
    load_demo()
    first = counts()
    dates = dict(HelpArticle.objects.values_list("pk", "updated_at"))

    load_demo()

    assert counts() == first
    assert dict(HelpArticle.objects.values_list("pk", "updated_at")) == dates
    assert first["Client"] >= 10
    assert first["Cuvee"] == 8
    assert first["Quote"] == 5
    assert first["HelpArticle"] > 0


def test_demo_has_every_quote_status_and_some_low_stock() -> None:
    load_demo()

    assert set(Quote.objects.values_list("status", flat=True)) == set(Quote.Status.values)
    assert Cuvee.objects.low_stock().count() >= 2
    assert not Cuvee.objects.filter(bottles_in_stock__lt=0).exists()


def test_demo_user_can_log_in_and_use_the_admin() -> None:
    output = load_demo()

    user = authenticate(username="demo", password="monchai-demo")
    assert user is not None
    assert user.is_staff and user.is_superuser
    assert "'demo'" in output and "'monchai-demo'" in output


def test_changed_article_is_updated_and_unchanged_one_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "creer-un-client.fr.md").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "creer-un-client.en.md").write_text(
        ARTICLE.replace("Créer", "Create"), encoding="utf-8"
    )
    load_demo("--articles", str(tmp_path))
    english_date = HelpArticle.objects.get(language="en").updated_at

    (tmp_path / "creer-un-client.fr.md").write_text(ARTICLE + "\nEnregistrez.\n")
    output = load_demo("--articles", str(tmp_path))

    french = HelpArticle.objects.get(language="fr")
    assert french.title == "Créer un client"
    assert french.path_prefix == "/clients/nouveau/"
    assert french.body.endswith("Enregistrez.")
    assert HelpArticle.objects.get(language="en").updated_at == english_date
    assert "1 updated, 1 unchanged" in output


def test_article_without_front_matter_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "vide.fr.md").write_text("Pas d'en-tête.\n", encoding="utf-8")

    with pytest.raises(CommandError, match="front matter"):
        load_demo("--articles", str(tmp_path))
