"""The question sets and the two simulated days replayed before and after.

Both days put each ask on a simulated office day: the idle time before it is drawn from
an exponential law (mean MEAN_GAP_SECONDS, a small team asking about 15 questions an
hour). The simulated clock decides which asks find the model unloaded and which cached
answers have expired (side_by_side.py); the run itself is compressed.

- The realistic day (``realistic_day``, needs.json): 120 asks drawn like a help desk's or
  a site search's queries. Query logs are skewed: a few requests make up most of the
  traffic, with a Zipf-like frequency (frequency about proportional to 1 / rank, exponent
  near 1) and a long tail of queries seen once (as reported for web and site search query
  logs, and for the recurring tasks of help-desk tickets). So a need is drawn from the
  demo's 18 tasks with weight 1 / rank, except one ask in seven, a one-off question;
  then the language (one in four in English), a phrasing (weight 1 / its rank among the
  need's phrasings in that language: users converge on the task's words but word it
  their own way) and a page among those the need is asked from.
- The question set's day (``day_sequence``, questions.json, the previous workload): its 66
  questions, each replayed as often as its ``asks`` says (114 asks), in a seeded shuffle.
  Flatter over needs, but a few questions come back in the very same words (8, 7, 5
  times), so more of its asks repeat an earlier wording within the hour: it is not the
  harder of the two for the cache.
"""

from __future__ import annotations

import json
import math
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUESTIONS_FILE = Path(__file__).with_name("questions.json")
NEEDS_FILE = Path(__file__).with_name("needs.json")
SEED = 7
MEAN_GAP_SECONDS = 240.0  # a small team: about 15 questions an hour

REALISTIC_ASKS = 120  # about 8 hours at MEAN_GAP_SECONDS
ZIPF_S = 1.0  # a need of rank r is asked in proportion to 1 / r ** ZIPF_S
ONE_OFF_SHARE = 1 / 7  # asks that are a question nobody else asks
ENGLISH_SHARE = 0.25


@dataclass(frozen=True)
class Question:
    text: str
    lang: str
    path: str
    intent: str  # the need it expresses; asks of one need may share answers
    asks: int


@dataclass(frozen=True)
class Ask:
    question: Question
    at: float  # simulated seconds since the start of the day
    gap: float  # simulated idle seconds since the previous ask


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    asks: list[Ask]
    about: dict[str, Any]  # what the report says of the workload


def load_questions() -> list[Question]:
    data = json.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))
    return [Question(**row) for row in data["questions"]]


def load_needs() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(NEEDS_FILE.read_text(encoding="utf-8"))
    return data


def day_sequence(questions: list[Question], seed: int = SEED) -> list[Ask]:
    """The question set's day: every question as many times as its ``asks``, shuffled."""
    rng = random.Random(seed)
    order = [question for question in questions for _ in range(question.asks)]
    rng.shuffle(order)
    return _on_the_clock(order, rng)


def realistic_day(
    needs: dict[str, Any], count: int = REALISTIC_ASKS, seed: int = SEED
) -> list[Ask]:
    """The realistic day: skewed needs, several phrasings, several pages, rare one-offs."""
    rng = random.Random(seed)
    tasks = sorted(needs["needs"], key=lambda need: need["rank"])
    weights = [1 / need["rank"] ** ZIPF_S for need in tasks]
    one_offs = list(needs["one_offs"])
    rng.shuffle(one_offs)
    order = []
    for _ in range(count):
        if one_offs and rng.random() < ONE_OFF_SHARE:
            row = one_offs.pop()
            order.append(
                Question(row["text"], row["lang"], row["path"], f"one-off: {row['text']}", 1)
            )
            continue
        need = rng.choices(tasks, weights)[0]
        lang = "en" if rng.random() < ENGLISH_SHARE else "fr"
        phrasings = need[lang]
        text = rng.choices(phrasings, [1 / rank for rank in range(1, len(phrasings) + 1)])[0]
        pages = need["pages"]
        path = rng.choices(list(pages), list(pages.values()))[0]
        order.append(Question(text, lang, path, need["id"], 1))
    return _on_the_clock(order, rng)


def _on_the_clock(order: list[Question], rng: random.Random) -> list[Ask]:
    asks, clock = [], 0.0
    for question in order:
        gap = rng.expovariate(1 / MEAN_GAP_SECONDS)
        clock += gap
        asks.append(Ask(question, clock, gap))
    return asks


def scenarios(questions: list[Question], limit: int | None = None) -> list[Scenario]:
    """The realistic day first, then the question set's; ``limit`` keeps each day's first
    asks."""
    needs = load_needs()
    realistic = realistic_day(needs)[:limit]
    question_set = day_sequence(questions)[:limit]
    return [
        Scenario(
            "realistic",
            "A realistic day",
            realistic,
            _about(realistic)
            | {
                "needs": len(needs["needs"]),
                "phrasings": sum(len(n["fr"]) + len(n["en"]) for n in needs["needs"]),
                "zipf_s": ZIPF_S,
                "one_off_share": round(ONE_OFF_SHARE, 3),
                "english_share": ENGLISH_SHARE,
            },
        ),
        Scenario(
            "question-set",
            "The question set's day (the previous workload)",
            question_set,
            _about(question_set) | {"questions": len(questions)},
        ),
    ]


def _about(asks: list[Ask]) -> dict[str, Any]:
    top = max(
        (sum(a.question.intent == i for a in asks) for i in {a.question.intent for a in asks}),
        default=0,
    )
    return {
        "asks": len(asks),
        "distinct_wordings": len({(a.question.text, a.question.path) for a in asks}),
        "intents": len({a.question.intent for a in asks}),
        "top_intent_share": round(top / len(asks), 3) if asks else None,
        "one_offs": sum(a.question.intent.startswith("one-off") for a in asks),
        "english": sum(a.question.lang == "en" for a in asks),
        # Upper bounds for a 1 h cache: asks whose wording (folded, with page and language),
        # or whose need, was already asked in the hour before.
        "repeat_wording_within_hour": _repeats(asks, lambda q: (_fold(q.text), q.path, q.lang)),
        "repeat_need_within_hour": _repeats(
            asks, lambda q: None if q.intent.startswith("one-off") else q.intent
        ),
        "simulated_day_hours": round(asks[-1].at / 3600, 1) if asks else 0.0,
        "mean_gap_s": MEAN_GAP_SECONDS,
        "seed": SEED,
    }


def _repeats(asks: list[Ask], identity: Callable[[Question], Any], window: float = 3600.0) -> float:
    seen: dict[Any, float] = {}
    count = 0
    for ask in asks:
        key = identity(ask.question)
        if key is not None and ask.at - seen.get(key, -math.inf) < window:
            count += 1
        if key is not None:
            seen[key] = ask.at
    return round(count / len(asks), 3) if asks else 0.0


def _fold(text: str) -> str:
    """Case, accents and punctuation off (about what the exact key folds)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(
        re.findall(r"\w+", "".join(c for c in decomposed if not unicodedata.combining(c)))
    )


class WeightedPicker:
    """Questions drawn at random in proportion to ``asks`` (the load scenario's mix)."""

    def __init__(self, questions: list[Question], seed: int) -> None:
        self.questions = questions
        self.weights = [question.asks for question in questions]
        self.rng = random.Random(seed)

    def pick(self) -> Question:
        return self.rng.choices(self.questions, self.weights)[0]
