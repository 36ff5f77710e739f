"""The question set (questions.json) and the workloads built from it.

The side-by-side workload replays every question as many times as its ``asks`` says, in a
seeded shuffle, on a simulated office day: each ask carries the idle time before it, drawn
from an exponential law. The simulated clock decides which asks find the model unloaded
(Ollama's keep-alive elapsed) and when cached answers expire; the run itself is compressed.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

QUESTIONS_FILE = Path(__file__).with_name("questions.json")
SEED = 7
MEAN_GAP_SECONDS = 240.0  # a small team: about 15 questions an hour


@dataclass(frozen=True)
class Question:
    text: str
    lang: str
    path: str
    intent: str
    asks: int


@dataclass(frozen=True)
class Ask:
    question: Question
    at: float  # simulated seconds since the start of the day
    gap: float  # simulated idle seconds since the previous ask


def load_questions() -> list[Question]:
    data = json.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))
    return [Question(**row) for row in data["questions"]]


def day_sequence(questions: list[Question], seed: int = SEED) -> list[Ask]:
    rng = random.Random(seed)
    order = [question for question in questions for _ in range(question.asks)]
    rng.shuffle(order)
    asks, clock = [], 0.0
    for question in order:
        gap = rng.expovariate(1 / MEAN_GAP_SECONDS)
        clock += gap
        asks.append(Ask(question, clock, gap))
    return asks


class WeightedPicker:
    """Questions drawn at random in proportion to ``asks`` (the load scenario's mix)."""

    def __init__(self, questions: list[Question], seed: int) -> None:
        self.questions = questions
        self.weights = [question.asks for question in questions]
        self.rng = random.Random(seed)

    def pick(self) -> Question:
        return self.rng.choices(self.questions, self.weights)[0]
