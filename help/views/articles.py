"""Public pages for help articles: the index and one article in the reader's language."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language

from help.conf import help_settings
from help.models import HelpArticle
from help.search.index import search
from help.search.languages import normalise_language, question_language
from help.views.decorators import ApiError, api_view
from help.views.markdown import render_markdown

SEARCH_RESULTS = 10


def reader_language(request: HttpRequest) -> str:
    """``?lang=`` when given, else the language Django activated for the request."""
    return normalise_language(request.GET.get("lang") or get_language())


def article_index(request: HttpRequest) -> HttpResponse:
    """Every article of the reader's language, or with ``?q=`` the best matches (the
    degraded answer links here, the question filled in, when no article matches)."""
    language = reader_language(request)
    query = request.GET.get("q", "").strip()[: int(help_settings.MAX_QUESTION_CHARS)]
    if query:
        language = question_language(query, language)
        found = search(query, language, limit=SEARCH_RESULTS)
        articles = [{"title": a.title, "url": a.url} for a in found]
    else:
        listed = HelpArticle.objects.filter(language=language).only("title", "slug", "language")
        articles = [{"title": a.title, "url": a.get_absolute_url()} for a in listed]
    context = {"articles": articles, "lang": language, "query": query}
    return render(request, "help/article_index.html", context)


def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    language = reader_language(request)
    article = article_in_language(slug, language)
    if article is None:
        raise Http404("No such help article.")
    context = {"article": article, "body": render_markdown(article.body), "lang": article.language}
    return render(request, "help/article_detail.html", context)


@api_view(("GET",), for_askers=False, rate="SUGGEST_RATE_LIMIT")
def article_panel(request: HttpRequest, slug: str) -> HttpResponse:
    """One article for the widget's panel: the same sanitised body as its page, in JSON
    (public like the page, so no permission check; rate limited like suggestions)."""
    article = article_in_language(slug, reader_language(request))
    if article is None:
        raise ApiError(404, "not_found", "No such help article.")
    response = JsonResponse(
        {
            "title": article.title,
            "url": article.get_absolute_url(),
            "lang": article.language,
            "html": str(render_markdown(article.body)),
        }
    )
    response["Cache-Control"] = "private, max-age=60"
    return response


def article_in_language(slug: str, language: str) -> HelpArticle | None:
    """The article in ``language``, else in the other language, else None."""
    articles = {a.language: a for a in HelpArticle.objects.filter(slug=slug)}
    return articles.get(language) or next(iter(articles.values()), None)
