"""``{% help_widget %}``: the widget's script tag with its configuration as data attributes."""

from __future__ import annotations

from typing import Any

from django import template
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from help.articles import articles_version, normalise_language
from help.conf import help_settings

register = template.Library()


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
        "cache_ttl": help_settings.CACHE_TTL,
        "articles_version": articles_version(),
        "nonce": getattr(request, "csp_nonce", None),
        # Passed as variables, not {% translate %} output, so they are escaped in attributes.
        "labels": {
            "launcher": _("Help"),
            "title": _("Help assistant"),
            "close": _("Close"),
            "intro": _("Ask a question about this page."),
        },
    }
    return render_to_string("help/widget.html", config, request=request)
