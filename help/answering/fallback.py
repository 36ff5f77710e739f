"""The degraded answer: the best articles' own first steps, with links, in milliseconds.

It says plainly that the assistant is slow or unavailable, and is never empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlencode

from django.urls import reverse

from help.search.index import MIN_SCORE, ScoredArticle
from help.search.text import cap, clean, plain_text

MAX_STEPS = 4
MAX_ARTICLES = 2

_STEP = re.compile(r"^\s*\d+[.)]\s+(.+)$")

MESSAGES = {
    "fr": {
        "slow": "L'assistant est lent ou indisponible pour le moment. "
        "Voici ce que disent les articles d'aide :",
        "none": "L'assistant est lent ou indisponible pour le moment, et aucun article d'aide "
        "ne correspond à votre question.",
        "read": "Lire l'article",
        "index": "Chercher dans les articles d'aide",
    },
    "en": {
        "slow": "The assistant is slow or unavailable right now. Here is what the help "
        "articles say:",
        "none": "The assistant is slow or unavailable right now, and no help article matches "
        "your question.",
        "read": "Read the article",
        "index": "Search the help articles",
    },
}


def first_steps(markdown_body: str) -> list[str]:
    """The article's first numbered steps, or its opening sentences when it has none."""
    steps = [
        match.group(1).strip() for match in map(_STEP.match, markdown_body.splitlines()) if match
    ]
    if steps:
        return [cap(step, 200) for step in steps[:MAX_STEPS]]
    return [cap(clean(plain_text(markdown_body)).replace("\n", " "), 280)]


def build_fallback(articles: Sequence[ScoredArticle], lang: str, question: str = "") -> str:
    """The articles' first steps; only articles that really answer (``MIN_SCORE``): when
    none does, it says so and offers the article search, the question filled in."""
    messages = MESSAGES.get(lang, MESSAGES["fr"])
    answering = [article for article in articles if article.score >= MIN_SCORE]
    if not answering:
        query = urlencode({"lang": lang, **({"q": question[:200]} if question else {})})
        index_url = f"{reverse('help:article_index')}?{query}"
        return f"{messages['none']}\n\n[{messages['index']}]({index_url})"
    blocks = [messages["slow"]]
    for article in answering[:MAX_ARTICLES]:
        steps = first_steps(article.body)
        numbered = (
            steps[0]
            if len(steps) == 1
            else "\n".join(f"{number}. {step}" for number, step in enumerate(steps, start=1))
        )
        blocks.append(f"**{article.title}**\n\n{numbered}\n\n[{messages['read']}]({article.url})")
    return "\n\n".join(blocks)
