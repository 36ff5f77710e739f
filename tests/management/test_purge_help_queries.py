from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from help.models import HelpFeedback, HelpQuery, HelpTicket

pytestmark = pytest.mark.django_db


def asked(days_ago: float, question: str = "Comment ?", feedback: bool = False) -> HelpQuery:
    query = HelpQuery.objects.create(
        question=question,
        source="model",
        created_at=timezone.now() - timedelta(days=days_ago),
    )
    if feedback:
        HelpFeedback.objects.create(query=query, helpful=False, comment="Pas clair.")
    return query


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_help_queries", *args, stdout=out)
    return out.getvalue()


def remaining() -> set[str]:
    return set(HelpQuery.objects.values_list("question", flat=True))


def test_questions_older_than_the_retention_go_with_their_feedback():
    asked(120, "ancienne", feedback=True)
    asked(91, "juste trop vieille")
    asked(89, "récente", feedback=True)
    asked(0, "du jour")

    output = purge()

    assert remaining() == {"récente", "du jour"}
    assert HelpFeedback.objects.get().query.question == "récente"
    assert "Deleted 2 questions and 1 feedback older than 90 days, and 0 handled" in output


def test_the_retention_setting_is_read(settings):
    settings.HELP = {**settings.HELP, "QUERY_RETENTION_DAYS": 30}
    asked(45, "d'il y a 45 jours")
    asked(10, "d'il y a 10 jours")
    assert "older than 30 days" in purge()
    assert remaining() == {"d'il y a 10 jours"}


def test_days_overrides_the_setting():
    asked(45, "d'il y a 45 jours")
    asked(10, "d'il y a 10 jours")
    asked(1, "d'hier")
    assert "Deleted 2 questions" in purge("--days", "7")
    assert remaining() == {"d'hier"}


def test_dry_run_counts_and_deletes_nothing():
    asked(120, "ancienne", feedback=True)
    asked(100, "vieille")
    asked(1, "d'hier")

    output = purge("--dry-run")

    assert "Would delete 2 questions and 1 feedback older than 90 days" in output
    assert remaining() == {"ancienne", "vieille", "d'hier"}
    assert HelpFeedback.objects.count() == 1


def test_nothing_to_delete_says_so():
    asked(1)
    assert "Deleted 0 questions and 0 feedback" in purge()
    assert HelpQuery.objects.count() == 1


@pytest.mark.parametrize("days", ["0", "-3", "abc"])
def test_days_must_be_a_positive_integer(days):
    asked(120)
    with pytest.raises(CommandError, match="--days"):
        purge("--days", days)
    assert HelpQuery.objects.count() == 1


def ticket(status: str, days_ago: float, query: HelpQuery | None = None) -> HelpTicket:
    made = HelpTicket.objects.create(
        message=f"{status} {days_ago}", email="client@example.com", status=status, query=query
    )
    # updated_at is set on every save: dated with an update, as an old ticket would be.
    HelpTicket.objects.filter(pk=made.pk).update(
        updated_at=timezone.now() - timedelta(days=days_ago)
    )
    return made


def test_handled_tickets_untouched_for_the_retention_go_new_ones_stay():
    ticket("closed", 120, query=asked(120))
    ticket("answered", 91)
    ticket("new", 400)  # nobody answered it yet: kept whatever its age
    ticket("closed", 10)  # handled recently
    output = purge()
    assert "and 2 handled tickets untouched for as long" in output
    assert set(HelpTicket.objects.values_list("message", flat=True)) == {"new 400", "closed 10"}


def test_a_kept_ticket_outlives_the_question_it_was_about():
    kept = ticket("new", 120, query=asked(120))
    purge()
    kept.refresh_from_db()
    assert kept.query is None and HelpQuery.objects.count() == 0


def test_dry_run_counts_tickets_and_deletes_none():
    ticket("closed", 120)
    assert "and 1 handled tickets untouched for as long" in purge("--dry-run")
    assert HelpTicket.objects.count() == 1
