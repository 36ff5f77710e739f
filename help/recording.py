"""What happens after an answer: its HelpQuery row and its one log line.

A failure here is logged and forgotten: the user already has the answer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import DatabaseError

from help import metrics
from help.models import HelpQuery

if TYPE_CHECKING:
    from help.pipeline import Run

logger = logging.getLogger("help")


def record(run: Run) -> None:
    outcome = run.outcome
    question = run.question
    # One line per question; the question's text stays out of INFO logs (privacy).
    logger.info(
        "help.answer id=%s source=%s total_ms=%.1f degraded=%s error=%s",
        run.id,
        outcome.source,
        outcome.timings.get("total_ms", 0.0),
        outcome.degraded,
        outcome.error_kind or "-",
    )
    metrics.record_answer(outcome.source, outcome.timings.get("total_ms", 0.0), outcome.error_kind)
    try:
        HelpQuery.objects.create(
            id=run.id,
            question=question.text,
            path=question.path[:500],
            lang=question.lang,
            hints=run.page_hints,
            answer=outcome.answer,
            source=outcome.source,
            degraded=outcome.degraded,
            error_kind=outcome.error_kind,
            model=run.model,
            top_score=outcome.top_score,
            cited_slugs=f" {' '.join(run.cited_slugs)} " if run.cited_slugs else "",
            total_ms=outcome.timings.get("total_ms", 0.0),
            timings=dict(outcome.timings),
            user_id=question.user_id,
        )
    except DatabaseError:
        logger.exception("help: could not record question %s", run.id)
