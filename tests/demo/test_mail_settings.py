"""The demo's mail settings, from its environment variables (.env.example): SMTP when a host
is given, else mails printed on the console."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.deployed_site import ROOT

READ_SETTINGS = (
    "import json, monchai.settings as s; print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_HOST, "
    "s.EMAIL_PORT, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL]))"
)


def mail_settings(**variables: str) -> list:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_EMAIL_", "DJANGO_DEFAULT_FROM_EMAIL"))
    }
    env.update(DJANGO_SECRET_KEY="mail-settings-test", **variables)
    done = subprocess.run(
        [sys.executable, "-c", READ_SETTINGS],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return json.loads(done.stdout)


def test_without_a_mail_host_mails_are_printed_on_the_console():
    backend, host, port, tls, sender = mail_settings()
    assert backend == "django.core.mail.backends.console.EmailBackend"
    assert (host, port, tls, sender) == ("", 587, True, "webmaster@localhost")


def test_a_mail_host_sends_through_smtp_as_configured():
    assert mail_settings(
        DJANGO_EMAIL_HOST="smtp.example.com",
        DJANGO_EMAIL_PORT="465",
        DJANGO_EMAIL_USE_TLS="0",
        DJANGO_DEFAULT_FROM_EMAIL="aide@monchai.example",
    ) == [
        "django.core.mail.backends.smtp.EmailBackend", "smtp.example.com", 465, False,
        "aide@monchai.example",
    ]  # fmt: skip
