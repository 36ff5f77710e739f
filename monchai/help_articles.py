"""Load help articles from `<slug>.<lang>.md` files with a small front matter block:

---
title: Faire un devis
path: /devis/nouveau/
questions:
  - je dois chiffrer une commande
  - comment on fait une offre de prix
---
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from help.models import LANGUAGES, HelpArticle

ARTICLES_DIR = Path(__file__).resolve().parent / "demo_articles"
FRONT_MATTER = re.compile(r"\A---\n(?P<meta>.*?)\n---\n(?P<body>.*)\Z", re.DOTALL)
LANGUAGE_CODES = frozenset(code for code, _name in LANGUAGES)


class ArticleFileError(ValueError):
    pass


@dataclass(frozen=True)
class ArticleFile:
    slug: str
    language: str
    title: str
    path_prefix: str
    body: str
    questions: str  # one per line


def parse_article(path: Path) -> ArticleFile:
    slug, _, language = path.name.removesuffix(".md").rpartition(".")
    if not slug or language not in LANGUAGE_CODES:
        raise ArticleFileError(f"{path.name}: expected <slug>.<fr|en>.md")
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    match = FRONT_MATTER.match(text)
    if not match:
        raise ArticleFileError(f"{path.name}: missing the '---' front matter block")
    meta: dict[str, str] = {}
    questions: list[str] = []
    for line in match["meta"].splitlines():
        item = line.strip()
        if item.startswith("- ") and "questions" in meta:
            questions.append(item[2:].strip())
            continue
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip()] = value.strip()
    if not meta.get("title"):
        raise ArticleFileError(f"{path.name}: the front matter has no title")
    return ArticleFile(
        slug=slug,
        language=language,
        title=meta["title"],
        path_prefix=meta.get("path", ""),
        body=match["body"].strip(),
        questions="\n".join(questions),
    )


def load_articles(directory: Path = ARTICLES_DIR) -> Counter[str]:
    """Create or update one HelpArticle per file; unchanged articles are not saved again.

    Returns how many were "created", "updated" and "unchanged".
    """
    outcome: Counter[str] = Counter()
    for path in sorted(directory.glob("*.md")):
        article = parse_article(path)
        fields = {
            "title": article.title,
            "body": article.body,
            "path_prefix": article.path_prefix,
            "questions": article.questions,
        }
        current = (
            HelpArticle.objects.filter(slug=article.slug, language=article.language)
            .values(*fields)
            .first()
        )
        if current == fields:
            outcome["unchanged"] += 1
            continue
        HelpArticle.objects.update_or_create(
            slug=article.slug, language=article.language, defaults=fields
        )
        outcome["created" if current is None else "updated"] += 1
    return outcome
