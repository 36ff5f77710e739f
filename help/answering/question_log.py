"""What happens after an answer: its HelpQuery row and its one log line.

The pipeline hands over a frozen record of the answer, so this module knows nothing of how
the answer was made. A failure here is logged and forgotten: the user already has the answer.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from django.db import DatabaseError

from help.models import HelpQuery
from help.shared_state import metrics

logger = logging.getLogger("help")


@dataclass(frozen=True)
class AnswerRecord:
    id: uuid.UUID
    question: str
    lang: str
    path: str
    hints: str  # as they entered the prompt
    answer: str
    source: str
    error_kind: str
    match: str
    model: str
    top_score: float
    cited_slugs: tuple[str, ...]
    timings: dict[str, float] = field(default_factory=dict)
    user_id: int | None = None

    @property
    def degraded(self) -> bool:
        return self.source == HelpQuery.Source.FALLBACK

    @property
    def total_ms(self) -> float:
        return self.timings.get("total_ms", 0.0)


def record(answer: AnswerRecord) -> None:
    # One line per question; the question's text stays out of INFO logs (privacy).
    logger.info(
        "help.answer id=%s source=%s total_ms=%.1f degraded=%s error=%s",
        answer.id,
        answer.source,
        answer.total_ms,
        answer.degraded,
        answer.error_kind or "-",
    )
    metrics.record_answer(answer.source, answer.total_ms, answer.error_kind, answer.match)
    try:
        HelpQuery.objects.create(
            id=answer.id,
            question=answer.question,
            path=answer.path[:500],
            lang=answer.lang,
            hints=answer.hints,
            answer=answer.answer,
            source=answer.source,
            degraded=answer.degraded,
            error_kind=answer.error_kind,
            match=answer.match,
            model=answer.model,
            top_score=answer.top_score,
            cited_slugs=f" {' '.join(answer.cited_slugs)} " if answer.cited_slugs else "",
            total_ms=answer.total_ms,
            timings=dict(answer.timings),
            user_id=answer.user_id,
        )
    except DatabaseError:
        logger.exception("help: could not record question %s", answer.id)
