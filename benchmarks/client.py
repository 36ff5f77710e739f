"""The benchmark's HTTP side: a logged-in session, page hints, and questions asked the way the
widget asks them (POST /help/ask/stream with the CSRF header), or the way the original
module's widget did (POST /bench/original/ask, the whole answer in one JSON body), timed
from the client."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import requests

from benchmarks.workload import Question

TIMEOUT = 60.0
# monchai/demo.py's user (importing it would need Django set up in this process).
DEMO_USERNAME, DEMO_PASSWORD = "demo", "monchai-demo"
# The old widget's page hints: the text of these elements, the first 80, at most 2000 chars.
OLD_HINT_TAGS = frozenset({"h1", "h2", "button", "a", "label"})
OLD_HINT_ELEMENTS = 80
OLD_HINT_CHARS = 2000


@dataclass
class Reply:
    """One question's answer as the client saw it; times in seconds from the request."""

    status: int = 0
    source: str = ""
    match: str = ""  # the cache level of a "cache" answer: exact, similar
    total: float = 0.0
    first_text: float | None = None  # first token, fallback or cached answer
    first_token: float | None = None
    tokens: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # the server's, in ms
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.source) and not self.error


def visit(base_url: str) -> requests.Session:
    """An anonymous visitor who has loaded a page: a CSRF cookie, no session."""
    session = requests.Session()
    session.get(f"{base_url}/connexion/", timeout=TIMEOUT).raise_for_status()
    return session


def login(base_url: str) -> requests.cookies.RequestsCookieJar:
    """Log the demo user in once; every simulated user shares the session's cookies."""
    session = visit(base_url)
    response = session.post(
        f"{base_url}/connexion/",
        data={
            "username": DEMO_USERNAME,
            "password": DEMO_PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    if "sessionid" not in session.cookies:
        raise RuntimeError("the demo login failed: no session cookie")
    return session.cookies


class HelpClient:
    def __init__(self, base_url: str, cookies: requests.cookies.RequestsCookieJar) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.cookies.update(cookies)
        self.csrf = cookies["csrftoken"]

    def ask(self, question: Question, hints: str) -> Reply:
        reply = Reply()
        started = time.perf_counter()
        try:
            response = self._post("/help/ask/stream", question, hints, stream=True)
            with response:
                reply.status = response.status_code
                if response.status_code == 200:
                    self._read(response, reply, started)
                else:
                    reply.error = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            reply.error = exc.__class__.__name__
        reply.total = time.perf_counter() - started
        return reply

    def _post(
        self, path: str, question: Question, hints: str, *, stream: bool = False
    ) -> requests.Response:
        return self.session.post(
            f"{self.base_url}{path}",
            json={
                "question": question.text,
                "path": question.path,
                "hints": hints,
                "lang": question.lang,
            },
            headers={"X-CSRFToken": self.csrf},
            stream=stream,
            timeout=TIMEOUT,
        )

    def _read(self, response: requests.Response, reply: Reply, started: float) -> None:
        for line in response.iter_lines():
            if not line:
                continue
            event: dict[str, Any] = json.loads(line)
            kind = event.get("event")
            now = time.perf_counter() - started
            if kind in ("token", "fallback", "done") and reply.first_text is None:
                reply.first_text = now
            if kind == "token":
                reply.tokens += 1
                if reply.first_token is None:
                    reply.first_token = now
            elif kind == "done":
                reply.source = event.get("source", "")
                reply.match = event.get("match", "") or ""
                reply.timings = event.get("timings", {})
        if not reply.source:
            reply.error = "stream ended without its done event"

    def ask_original(self, question: Question, hints: str) -> Reply:
        """The original module: nothing shows until the whole answer, so first text = total."""
        reply = Reply()
        started = time.perf_counter()
        try:
            response = self._post("/bench/original/ask", question, hints)
            reply.status = response.status_code
            if response.status_code == 200:
                body = response.json()
                reply.source, reply.match = body.get("source", ""), body.get("match", "")
            else:
                reply.error = f"HTTP {response.status_code}"
        except (requests.RequestException, ValueError) as exc:
            reply.error = exc.__class__.__name__
        reply.total = time.perf_counter() - started
        if reply.ok:
            reply.first_text = reply.total
        return reply

    def ask_json(self, question: Question) -> tuple[int, str]:
        response = self.session.post(
            f"{self.base_url}/help/ask",
            json={"question": question.text, "path": question.path, "lang": question.lang},
            headers={"X-CSRFToken": self.csrf},
            timeout=TIMEOUT,
        )
        source = response.json().get("source", "") if response.status_code == 200 else ""
        return response.status_code, source

    def get(self, path: str) -> requests.Response:
        return self.session.get(f"{self.base_url}{path}", timeout=TIMEOUT)


class _OldHints(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.depth = 0
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in OLD_HINT_TAGS:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in OLD_HINT_TAGS and self.depth:
            self.depth -= 1
            if not self.depth:
                text = " ".join("".join(self.current).split())
                if text:
                    self.texts.append(text)
                self.current = []

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.current.append(data)


def page_hints(client: HelpClient, paths: set[str]) -> dict[str, str]:
    """Each page's hints as the old widget gathered them; the server caps them to
    MAX_HINTS_CHARS (800 before, 400 after)."""
    hints = {}
    for path in sorted(paths):
        parser = _OldHints()
        parser.feed(client.get(path).text)
        hints[path] = " | ".join(parser.texts[:OLD_HINT_ELEMENTS])[:OLD_HINT_CHARS]
    return hints
