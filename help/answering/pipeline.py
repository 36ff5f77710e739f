"""One question in, a stream of events out, under one deadline.

cache -> retrieval -> prompt -> model (single flight, in the background pool), with the
articles' fallback as soon as the deadline passes or the model fails. Knows nothing of
HTTP: views turn the events into JSON or NDJSON.
"""

from __future__ import annotations

import queue
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from help.answering.answer_cache import answer_key, get_answers
from help.answering.curated import CURATED_VERSION_KEY, find_curated
from help.answering.fallback import build_fallback
from help.answering.follow_ups import Turn, context_digest, depends_on_context, search_text
from help.answering.late_answers import expect
from help.answering.meaning import Meaning, get_similar, meaning_of
from help.answering.pool import DONE, ERROR, TOKEN, ModelCall, start_call
from help.answering.prompt import build_messages, context_block, page_hints, prompt_digest
from help.answering.question_log import AnswerRecord, record
from help.answering.scope import PAGE, SITE, page_independent, refers_to_page
from help.answering.waiting import waiting_questions
from help.conf import help_settings, ollama_models
from help.search.index import ScoredArticle, search
from help.search.languages import question_language
from help.search.version import read_versions
from help.shared_state import breaker
from help.shared_state.single_flight import Flight

Event = dict[str, Any]

# How often a follower whose user already has the fallback looks for the leader's answer.
UPGRADE_POLL_INTERVAL = 0.25


@dataclass(frozen=True)
class Question:
    text: str
    lang: str = "fr"
    path: str = ""
    hints: str = ""
    user_id: int | None = None
    # The last turns of the thread, oldest first, used only when the question follows them.
    context: tuple[Turn, ...] = ()


@dataclass
class Outcome:
    """What the user finally got, for the last event and the HelpQuery row."""

    answer: str = ""
    source: str = ""
    error_kind: str = ""
    match: str = ""  # which cache level served a "cache" answer: exact, similar
    model: str = ""  # the model of the chain that wrote the answer, if one did
    top_score: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def degraded(self) -> bool:
        return self.source == "fallback"


class Run:
    """A question being answered. ``Run.start(question)`` does the fast synchronous part
    (cache lookup, and on a miss retrieval and prompt), so its timings can go in the
    response headers; ``events()`` then yields the rest. The constructor does no I/O."""

    def __init__(
        self,
        question: Question,
        *,
        stream: bool,
        wait: float | None = None,
        record: bool = True,
        owner: str = "",
    ) -> None:
        """``wait`` overrides HELP_DEADLINE (warm-up waits for the model); ``record=False``
        keeps warm-up questions out of the log and the metrics; ``owner`` is who may read a
        late answer (``help.answering.late_answers``), none when empty."""
        self.id = uuid.uuid4()
        self.question = question
        self.stream = stream
        self.record = record
        self.owner = owner
        self.pending = False  # the model's answer may still come, by id
        self.started = time.monotonic()
        self.deadline = self.started + float(wait or help_settings.DEADLINE)
        self.models = ollama_models()
        self.outcome = Outcome()
        self.page_hints = ""
        self.key = ""
        self.cached: dict[str, Any] | None = None
        self.articles: list[ScoredArticle] = []
        self.messages: list[dict[str, str]] = []
        self.meaning: Meaning | None = None
        self.scope = PAGE  # "site" when the answer is the same on every page
        self.follow_up = False  # the earlier turns shaped the answer

    @classmethod
    def start(
        cls,
        question: Question,
        *,
        stream: bool,
        wait: float | None = None,
        record: bool = True,
        owner: str = "",
    ) -> Run:
        """A run with its cache lookup done, and on a miss its articles and prompt.

        The earlier turns count only for a follow-up (``follow_ups``), and the page only for
        a "page" answer (``scope``): a question that needs neither gets the very key, prompt
        and articles it would get alone, on any page. Its scope is known from its articles,
        found after the lookup, so both possible keys are read at once, one round trip."""
        # Answered in the language it is asked in, whatever the page's.
        question = replace(question, lang=question_language(question.text, question.lang))
        run = cls(question, stream=stream, wait=wait, record=record, owner=owner)
        with run._timed("cache"):
            # The articles and curated versions: one round trip.
            (version, stored), shape = read_versions(CURATED_VERSION_KEY), prompt_digest()
            run.page_hints = page_hints(question.hints)  # as in the key, prompt and log
            # Staff-written answers first: they never expire and survive a cache clear.
            curated = find_curated(
                question.text, question.lang, question.path, version=version, stored=stored
            )
            if curated is not None:
                run.cached = curated.as_entry()
                run.outcome.match, run.scope = "curated", curated.scope
                return run
            run.follow_up = bool(question.context) and depends_on_context(
                question.text, question.lang
            )
            turns = question.context if run.follow_up else ()
            context = context_block(turns)
            searched = search_text(question.text, question.lang, turns) if turns else question.text
            on_page = any(
                refers_to_page(text) for text in [question.text, *(t.question for t in turns)]
            )
            keys = {
                scope: answer_key(
                    question=question.text,
                    lang=question.lang,
                    scope=scope,
                    path=question.path,
                    hints=run.page_hints,
                    model=",".join(run.models),
                    prompt_digest=shape,
                    articles_version=version,
                    context_digest=context_digest(context, searched) if turns else "",
                )
                for scope in ((PAGE,) if on_page else (PAGE, SITE))
            }
            found = get_answers(list(keys.values()))
            for scope, key in keys.items():  # one of them at most, but the page's first
                if key in found:
                    run.scope, run.key, run.cached = scope, key, found[key]
                    run.outcome.match = "exact"
                    return run
        with run._timed("retrieval"):
            if not on_page:
                run.articles = search(searched, question.lang, "", limit=3, version=version)
                on_page = not page_independent(run.articles)
            if on_page:
                run.articles = search(
                    searched, question.lang, question.path, limit=3, version=version
                )
            run.scope = PAGE if on_page else SITE
            run.key = keys[run.scope]
            run.outcome.top_score = run.articles[0].score if run.articles else 0.0
        with run._timed("similar"):
            if not run.follow_up:  # never served by meaning, nor serving others
                run.meaning = meaning_of(
                    question.text,
                    question.lang,
                    question.path,
                    run.articles,
                    version,
                    answer_shape=f"{','.join(run.models)} {shape}",
                    scope=run.scope,
                )
            run.cached = get_similar(run.meaning)
        if run.cached is not None:
            run.outcome.match = "similar"
        else:
            with run._timed("prompt"):
                run.messages = build_messages(
                    question=question.text,
                    lang=question.lang,
                    path=question.path,
                    hints=question.hints,
                    articles=run.articles,
                    on_page=on_page,
                    context=context,
                )
        return run

    @property
    def timings(self) -> dict[str, float]:
        return self.outcome.timings

    @property
    def sources(self) -> list[dict[str, str]]:
        if self.cached is not None:
            return list(self.cached.get("sources", []))
        return [{"title": article.title, "url": article.url} for article in self.articles]

    @property
    def cited_slugs(self) -> list[str]:
        if self.cached is not None:
            return list(self.cached.get("slugs", []))
        return [article.slug for article in self.articles]

    def _timed(self, stage: str) -> _Stage:
        return _Stage(self.outcome.timings, f"{stage}_ms")

    # -- events --------------------------------------------------------------------------------

    def events(self) -> Iterator[Event]:
        recorded = False
        try:
            yield {
                "event": "start",
                "id": str(self.id),
                "sources": self.sources,
                "scope": self.scope,
                "follow_up": self.follow_up,
            }
            if self.cached is not None:
                self._finish_cached(self.cached, self.outcome.match)
            else:
                yield from self._answer_miss()
            done = self._done_event()
            # Recorded before the last line leaves: log and metrics at once, the row queued
            # (feedback on it waits for it).
            self._record()
            recorded = True
            yield done
        finally:
            if not recorded:
                if not self.outcome.source:  # the client went away before the end
                    self.outcome.source, self.outcome.error_kind = "fallback", "client_gone"
                self.outcome.timings["total_ms"] = _ms_since(self.started)
                self._record()

    def _record(self) -> None:
        if self.record:
            record(self.answer_record())

    def answer_record(self) -> AnswerRecord:
        outcome, question = self.outcome, self.question
        return AnswerRecord(
            id=self.id,
            question=question.text,
            lang=question.lang,
            path=question.path,
            hints=self.page_hints,
            answer=outcome.answer,
            source=outcome.source,
            error_kind=outcome.error_kind,
            match=outcome.match,
            model=outcome.model,
            top_score=outcome.top_score,
            cited_slugs=tuple(self.cited_slugs),
            timings=dict(outcome.timings),
            user_id=question.user_id,
        )

    def result(self) -> Event:
        """The whole answer at once (the JSON endpoint): the ``done`` event plus id and sources."""
        done: Event = {}
        for event in self.events():
            done = event
        return {
            "id": str(self.id),
            "answer": done["answer"],
            "source": done["source"],
            "degraded": done["degraded"],
            "match": done["match"],
            "model": done["model"],
            "pending": done["pending"],
            "scope": done["scope"],
            "follow_up": done["follow_up"],
            "sources": self.sources,
            "timings": done["timings"],
        }

    def _answer_miss(self) -> Iterator[Event]:
        if set(breaker.states(self.models).values()) == {breaker.OPEN}:
            yield self._fallback("breaker_open")  # no model of the chain may be asked now
            return
        if not waiting_questions.enter():
            yield self._fallback("busy")  # this process has enough questions waiting already
            return
        try:
            yield from self._ask_model()
        finally:
            waiting_questions.leave()

    def _ask_model(self) -> Iterator[Event]:
        flight = Flight(self.key)
        if not flight.acquire():
            entry, kind = flight.wait(self.deadline)
            if entry is not None:
                self._finish_cached(entry, "exact")
                return
            if not (kind == "leader_lost" and flight.leader):
                yield self._fallback(kind)
                if kind == "timeout":
                    yield from self._follower_upgrade(flight)
                return
        call = start_call(
            messages=self.messages,
            flight=flight,
            entry={"sources": self.sources, "slugs": self.cited_slugs, "scope": self.scope},
            models=self.models,
            similar_key=self.meaning.key if self.meaning else None,
        )
        if call is None:
            flight.fail("busy")
            yield self._fallback("busy")
            return
        yield from self._follow(call)

    def _follow(self, call: ModelCall) -> Iterator[Event]:
        """Relay the model's tokens; fall back when the deadline passes or the model fails."""
        tokens = 0
        while True:
            if self.stream and tokens:
                # Streaming has begun: allow a deadline's length between two tokens.
                wait = float(help_settings.DEADLINE)
            else:
                wait = self.deadline - time.monotonic()
            message = _next(call, wait)
            if message is None:
                yield self._fallback("stalled" if tokens else "timeout")
                yield from self._upgrade(call)
                return
            kind, value = message
            if kind == TOKEN:
                if tokens == 0:
                    self.outcome.timings["first_token_ms"] = _ms_since(self.started)
                tokens += 1
                if self.stream:
                    yield {"event": "token", "text": value}
            elif kind == DONE:
                self._model_timings(call)
                self._finish(value, "model", model=call.model)
                return
            else:
                yield self._fallback(value)
                return

    def _upgrade(self, call: ModelCall) -> Iterator[Event]:
        """After a fallback, keep a stream open a bounded time for the model's answer; past
        it, the answer is for the asker to fetch by id when it lands."""
        while True:
            message = _next(call, self._upgrade_end() - time.monotonic())
            if message is None:
                self._expect_late()
                return
            if message[0] == ERROR:
                return
            if message[0] == DONE:
                self._model_timings(call)
                self._finish(message[1], "model", model=call.model)
                self.outcome.error_kind = ""
                yield {"event": "upgrade", "answer": message[1]}
                return

    def _follower_upgrade(self, flight: Flight) -> Iterator[Event]:
        """After a follower's fallback, the leader's answer if it lands while the stream is
        open, or by id later."""
        entry, kind = flight.wait(self._upgrade_end(), interval=UPGRADE_POLL_INTERVAL)
        if entry is None:
            if kind == "leader_lost":
                flight.release()  # took the lock over, but this stream will not call the model
            elif kind == "timeout":
                self._expect_late()
            return
        self._finish_cached(entry, "exact")
        self.outcome.error_kind = ""
        yield {"event": "upgrade", "answer": entry["answer"]}

    def _upgrade_end(self) -> float:
        """Until when a stream waits for the model after its fallback (a JSON answer is
        whole at its fallback: it waits no more)."""
        now = time.monotonic()
        if not self.stream:
            return now
        return min(
            self.started + float(help_settings.TIMEOUT), now + float(help_settings.UPGRADE_WAIT)
        )

    def _expect_late(self) -> None:
        self.pending = bool(self.owner)
        expect(self.id, self.key, self.owner)

    def _fallback(self, error_kind: str) -> Event:
        answer = build_fallback(self.articles, self.question.lang, self.question.text)
        self._finish(answer, "fallback")
        self.outcome.error_kind = error_kind
        return {"event": "fallback", "answer": answer, "sources": self.sources}

    def _finish(self, answer: str, source: str, match: str = "", model: str = "") -> None:
        self.outcome.answer, self.outcome.source, self.outcome.match = answer, source, match
        self.outcome.model = model

    def _finish_cached(self, entry: dict[str, Any], match: str) -> None:
        """Served from a cache entry: the model recorded in it wrote the answer (none for a
        curated answer)."""
        self._finish(entry["answer"], "cache", match, str(entry.get("model", "")))

    def _model_timings(self, call: ModelCall) -> None:
        if call.finished_at is not None:
            self.outcome.timings["model_ms"] = round((call.finished_at - call.started) * 1000, 1)

    def _done_event(self) -> Event:
        self.outcome.timings["total_ms"] = _ms_since(self.started)
        return {
            "event": "done",
            "answer": self.outcome.answer,
            "source": self.outcome.source,
            "degraded": self.outcome.degraded,
            "match": self.outcome.match,
            "model": self.outcome.model,
            "pending": self.pending,
            "scope": self.scope,
            "follow_up": self.follow_up,
            "timings": dict(self.outcome.timings),
        }


def _next(call: ModelCall, wait: float) -> tuple[str, str] | None:
    if wait <= 0:
        try:
            return call.events.get_nowait()
        except queue.Empty:
            return None
    try:
        return call.events.get(timeout=wait)
    except queue.Empty:
        return None


def _ms_since(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)


class _Stage:
    def __init__(self, timings: dict[str, float], name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.start = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = _ms_since(self.start)
