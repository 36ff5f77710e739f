"""``{% help_widget %}``: the widget's script tag with its configuration as data attributes."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from help.conf import help_settings
from help.search.languages import normalise_language
from help.search.version import articles_version

register = template.Library()


def widget_labels() -> dict[str, str]:
    """The widget's UI strings in the active language, keyed by the names widget.js uses."""
    return {
        "launcher": _("Help"),
        "title": _("Help assistant"),
        "close": _("Close"),
        "intro": _("Ask a question about this page."),
        "question": _("Your question"),
        "placeholder": _("Ask your question…"),
        "send": _("Send"),
        "stop": _("Stop"),
        "answering": _("The assistant is writing its answer…"),
        "suggestions": _("Suggested articles"),
        "sources": _("Articles used"),
        "verified": _("Verified answer"),
        "helpful": _("Helpful?"),
        "yes": _("Yes"),
        "no": _("No"),
        "thanks": _("Thank you for your feedback."),
        "copy": _("Copy"),
        "copied": _("Copied"),
        "slow": _("Assistant slow or unavailable: here are the steps from the help articles."),
        "noAnswer": _("The assistant did not answer in time."),
        "network": _("The connection was lost."),
        "retry": _("Retry"),
        "stopped": _("Stopped."),
        # %(seconds)s is filled in by the widget with the server's Retry-After.
        "rateLimited": _("Too many questions in a row: try again in %(seconds)s s."),
        "tooLong": _("Your question is too long."),
        "error": _("The question could not be sent."),
        "newChat": _("New conversation"),
        "expand": _("Expand"),
        "shrink": _("Reduce"),
        # %(keys)s is filled in with HELP["WIDGET_SHORTCUT"].
        "shortcut": _("Shortcut: %(keys)s"),
        "starters": _("Suggested questions"),
        "followUp": _("Follows on from your previous question"),
        "upgraded": _("Improved answer"),
        "why": _("Why?"),
        "wrong": _("Wrong answer"),
        "incomplete": _("Incomplete"),
        "outdated": _("Out of date"),
        "other": _("Other"),
        "support": _("Contact support"),
        "ticketIntro": _("Your message goes to the support team with this conversation."),
        "email": _("Your e-mail address"),
        "message": _("Your message"),
        "ticketSent": _("Your message has been sent. The support team will answer by e-mail."),
        "ticketError": _("Your message could not be sent. Try again later."),
        "back": _("Back"),
    }


def cache_scope(request: HttpRequest) -> str:
    """Whose answers the widget's own cache holds: a short keyed hash of the user and their
    session, which reveals neither. Login and logout cycle the session key, so the scope
    changes with them and the widget empties its cache."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    session_key = (session.session_key if session is not None else None) or ""
    if user is not None and user.is_authenticated:
        owner = f"user:{user.pk}:{session_key}"
    else:
        owner = f"anonymous:{session_key}"
    return salted_hmac("help.widget.cache_scope", owner).hexdigest()[:16]


@register.simple_tag(takes_context=True)
def help_widget(context: template.Context) -> SafeString:
    request = context.get("request")
    if request is None:
        raise template.TemplateSyntaxError(
            "{% help_widget %} needs the request: add "
            "'django.template.context_processors.request' to your context processors."
        )
    # The widget posts with X-CSRFToken read from the cookie; make sure the cookie is set.
    get_token(request)
    config: dict[str, Any] = {
        "lang": normalise_language(get_language()),
        "position": help_settings.WIDGET_POSITION,
        "shortcut": help_settings.WIDGET_SHORTCUT,
        "max_question_chars": help_settings.MAX_QUESTION_CHARS,
        "max_hints_chars": help_settings.MAX_HINTS_CHARS,
        "deadline_ms": int(float(help_settings.DEADLINE) * 1000),
        "timeout_ms": int(float(help_settings.TIMEOUT) * 1000),
        "cache_ttl": help_settings.CACHE_TTL,
        "articles_version": articles_version(),
        "scope": cache_scope(request),
        # Visitors give an e-mail address with a ticket; users have their account's.
        "visitor": not getattr(getattr(request, "user", None), "is_authenticated", False),
        "support_url": help_settings.SUPPORT_URL,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "nonce": getattr(request, "csp_nonce", None),
        # JSON in one attribute, escaped by the template's autoescaping like any value.
        "labels": json.dumps(widget_labels(), ensure_ascii=False),
    }
    return render_to_string("help/widget.html", config, request=request)
