"""Who may ask the assistant; ``HELP["PERMISSION"]`` names one of these, or your own."""

from __future__ import annotations

from django.http import HttpRequest


def allow_all(request: HttpRequest) -> bool:
    return True


def authenticated_only(request: HttpRequest) -> bool:
    return request.user.is_authenticated
