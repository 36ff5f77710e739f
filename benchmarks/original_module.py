"""The original help module, re-created for the side-by-side's "before".

A small Django view, served by the benchmark's URLconf at /bench/original/ask on the same
gunicorn, Redis and database as the app, asking the same model backend. It does what the
original module's team describes (/work/shared/background) and nothing of this app:

- its own answer cache: the question exactly as typed and the page, kept 60 s;
- no single flight: identical questions asked together each call the model;
- the prompt: the page hints cut at 800 characters and help articles at 1,200 (articles
  of the question's language holding its words, or of its page, concatenated);
- one POST /api/chat with ``stream: false`` per attempt, each on a new connection, with no
  ``keep_alive`` (Ollama's default, 5 min, applies) and no options; 3 s to connect, 20 s
  to read; 3 attempts, 0.3 s then 0.6 s apart;
- no streaming and no deadline: the user sees nothing until the whole answer is back (or
  every attempt failed: then a degraded answer, the start of the articles).

It answers JSON: ``answer``, ``source`` ("cache", "model" or "fallback") and ``match``
("exact" for a cache answer), like the app's done event.
"""

from __future__ import annotations

import hashlib
import json
import re
import time

import requests
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from benchmarks.profiles import ORIGINAL
from help.models import HelpArticle

CACHE_PREFIX = "bench:original:"
SYSTEM = (
    "Tu es l'assistant d'aide de l'application. Réponds brièvement à la question de "
    "l'utilisateur, dans sa langue, à partir de la documentation et de la page où il se trouve."
)
# backends.grounded_answer finds the documentation between these two lines.
USER = (
    "Page : {path}\nContenu de la page : {hints}\n\n"
    "Documentation :\n{docs}\n\nQuestion : {question}"
)


@require_POST
def ask(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"error": "login required"}, status=403)
    data = json.loads(request.body or b"{}")
    question = str(data.get("question", "")).strip()
    path, hints = str(data.get("path", "")), str(data.get("hints", ""))
    lang = str(data.get("lang", "fr"))
    key = CACHE_PREFIX + hashlib.sha256(f"{path}\n{question}".encode()).hexdigest()[:40]
    answer = cache.get(key)
    if answer is not None:
        return JsonResponse({"answer": answer, "source": "cache", "match": "exact"})
    docs = documentation(question, lang, path)
    content = USER.format(
        path=path, hints=hints[: ORIGINAL["MAX_HINTS_CHARS"]], docs=docs, question=question
    )
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": content}]
    try:
        answer = chat(messages)
    except (requests.RequestException, ValueError, KeyError, TypeError):
        degraded = docs[:300] or "Le service d'aide est indisponible."
        return JsonResponse({"answer": degraded, "source": "fallback", "match": ""})
    cache.set(key, answer, ORIGINAL["CACHE_TTL"])
    return JsonResponse({"answer": answer, "source": "model", "match": ""})


def documentation(question: str, lang: str, path: str) -> str:
    """Articles holding the question's longer words (two points for the page's own),
    best first, cut at MAX_DOCS_CHARS."""
    words = {word for word in re.findall(r"\w+", question.lower()) if len(word) > 3}
    scored = []
    for article in HelpArticle.objects.filter(language=lang):
        text = f"{article.title} {article.body}".lower()
        score = sum(word in text for word in words)
        score += 2 if article.path_prefix and path.startswith(article.path_prefix) else 0
        if score:
            scored.append((score, f"{article.title}\n{article.body}"))
    scored.sort(key=lambda pair: -pair[0])
    return "\n\n".join(text for _, text in scored)[: ORIGINAL["MAX_DOCS_CHARS"]]


def chat(messages: list[dict[str, str]]) -> str:
    """The whole answer, from one of ATTEMPTS calls; each on a new connection."""
    url = settings.HELP["OLLAMA_URL"].rstrip("/") + "/api/chat"
    payload = {"model": settings.HELP["OLLAMA_MODEL"], "messages": messages, "stream": False}
    timeout = (ORIGINAL["CONNECT_TIMEOUT"], ORIGINAL["TIMEOUT"])
    for attempt in range(ORIGINAL["ATTEMPTS"]):
        try:
            response = requests.post(url, json=payload, timeout=timeout)
            response.raise_for_status()
            return str(response.json()["message"]["content"])
        except (requests.RequestException, ValueError, KeyError, TypeError):
            if attempt == ORIGINAL["ATTEMPTS"] - 1:
                raise
            time.sleep(ORIGINAL["RETRY_BACKOFF"] * 2**attempt)
    raise AssertionError("unreachable")
