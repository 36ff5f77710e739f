"""``manage.py purge_help_queries``: delete the logged questions older than the retention
(``HELP["QUERY_RETENTION_DAYS"]``), their feedback with them, and the support tickets
handled (answered or closed) and untouched for as long. Run it daily from cron.

A question's row holds what the user asked and the page hints sent with it; nothing needs
it once the dashboard's windows (7 days at most) and warm-up's "most asked" have moved on.
A ticket holds a visitor's e-mail address and conversation: kept while it is new, whatever
its age (somebody still has to answer it), and for the retention once it is handled.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from help.conf import help_settings
from help.models import HelpFeedback, HelpQuery, HelpTicket


def positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Delete the logged help questions (and their feedback) older than the retention, and "
        "the support tickets handled and untouched for as long."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=positive_int,
            metavar="N",
            help="Keep the last N days instead of HELP['QUERY_RETENTION_DAYS'].",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args: Any, days: int | None, dry_run: bool, **options: Any) -> None:
        days = days or int(help_settings.QUERY_RETENTION_DAYS)
        cutoff = timezone.now() - timedelta(days=days)
        old = HelpQuery.objects.filter(created_at__lt=cutoff)
        handled = HelpTicket.objects.exclude(status=HelpTicket.Status.NEW).filter(
            updated_at__lt=cutoff
        )
        if dry_run:
            queries = old.count()
            feedback = HelpFeedback.objects.filter(query__in=old).count()
            tickets = handled.count()
        else:
            with transaction.atomic():
                tickets, _ = handled.delete()
                _, deleted = old.delete()  # the feedback cascades; a ticket's query is unset
            queries = deleted.get(HelpQuery._meta.label, 0)
            feedback = deleted.get(HelpFeedback._meta.label, 0)
        what = (
            f"{queries} questions and {feedback} feedback older than {days} days, "
            f"and {tickets} handled tickets untouched for as long"
        )
        if dry_run:
            self.stdout.write(f"Would delete {what} (dry run: nothing deleted).")
        else:
            self.stdout.write(self.style.SUCCESS(f"Deleted {what}."))
