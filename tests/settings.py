"""Settings for the test run: the demo's, with fast hashing and unhashed static names.

The test session's own redis-server replaces CACHES (see tests/conftest.py).
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")

from monchai.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A file, not memory: threads then read and write as they do in production (WAL, a reader
# seeing the last commit while a writer's transaction is open).
# One per test process, so that two runs on one machine never share it.
DATABASES["default"]["TEST"] = {  # noqa: F405
    "NAME": os.path.join(tempfile.gettempdir(), f"help-tests-{os.getpid()}.sqlite3")
}

# Nothing listens on the discard port: tests that want a model start the stand-in.
HELP = {**HELP, "OLLAMA_URL": "http://127.0.0.1:9"}  # noqa: F405
