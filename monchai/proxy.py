"""``REMOTE_ADDR`` set to the visitor's address when a trusted reverse proxy sent it.

Behind nginx (deploy/nginx.conf) every request comes from the proxy's address, so limits
per IP would count all visitors as one. nginx passes the visitor's address as
``X-Real-IP``; it is believed only from the addresses in ``TRUSTED_PROXIES``, since any
client can send the header itself.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


class RealClientAddressMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.trusted = frozenset(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if self.trusted and request.META.get("REMOTE_ADDR") in self.trusted:
            real = request.META.get("HTTP_X_REAL_IP", "").strip()
            with contextlib.suppress(ValueError):  # no address, or not one: the proxy's stays
                request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(real))
        return self.get_response(request)
