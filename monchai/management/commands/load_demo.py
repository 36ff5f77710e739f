from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from monchai.demo import DEMO_PASSWORD, DEMO_USERNAME, load_demo_data
from monchai.help_articles import ARTICLES_DIR, ArticleFileError, load_articles
from monchai.models import Client, Cuvee, Quote, StockMovement


class Command(BaseCommand):
    help = "Load the MonChai demo data and help articles. Safe to run again."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--articles",
            type=Path,
            default=ARTICLES_DIR,
            help="Directory of <slug>.<lang>.md help articles (default: %(default)s).",
        )

    def handle(self, *args: Any, articles: Path, **options: Any) -> None:
        if not articles.is_dir():
            raise CommandError(f"No articles directory at {articles}.")
        try:
            with transaction.atomic():
                summary = load_demo_data()
                outcome = load_articles(articles)
        except ArticleFileError as error:
            raise CommandError(f"Bad help article: {error}") from error

        rows = [
            ("Clients", Client.objects.count(), summary.clients_created),
            ("Cuvées", Cuvee.objects.count(), summary.cuvees_created),
            ("Quotes", Quote.objects.count(), summary.quotes_created),
            ("Stock movements", StockMovement.objects.count(), summary.movements_created),
        ]
        for label, total, created in rows:
            self.stdout.write(f"{label}: {total} ({created} created)")
        self.stdout.write(
            f"Help articles: {sum(outcome.values())} ({outcome['created']} created, "
            f"{outcome['updated']} updated, {outcome['unchanged']} unchanged)"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready. Log in with username '{DEMO_USERNAME}' "
                f"and password '{DEMO_PASSWORD}'."
            )
        )
