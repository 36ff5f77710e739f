"""The visitor's address from a trusted proxy's X-Real-IP, and from nobody else."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from monchai.proxy import RealClientAddressMiddleware


def seen_address(settings, trusted: list[str], remote: str, real: str | None) -> str:
    settings.TRUSTED_PROXIES = trusted
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request.META["REMOTE_ADDR"])
        return HttpResponse()

    headers = {} if real is None else {"HTTP_X_REAL_IP": real}
    RealClientAddressMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))
    return seen[0]


def test_the_trusted_proxys_header_gives_the_visitors_address(settings):
    assert seen_address(settings, ["127.0.0.1"], "127.0.0.1", "203.0.113.7") == "203.0.113.7"
    assert seen_address(settings, ["127.0.0.1"], "127.0.0.1", " 2001:db8::1 ") == "2001:db8::1"


@pytest.mark.parametrize(
    ("trusted", "remote", "real"),
    [
        ([], "127.0.0.1", "203.0.113.7"),  # no proxy trusted (the default)
        (["127.0.0.1"], "198.51.100.9", "203.0.113.7"),  # a client sending it itself
        (["127.0.0.1"], "127.0.0.1", "not-an-address"),
        (["127.0.0.1"], "127.0.0.1", "203.0.113.7, 10.0.0.1"),
        (["127.0.0.1"], "127.0.0.1", None),
    ],
)
def test_the_header_is_ignored_from_anyone_else_or_when_malformed(settings, trusted, remote, real):
    assert seen_address(settings, trusted, remote, real) == remote
