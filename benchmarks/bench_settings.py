"""Settings for the benchmark's gunicorn: the demo's, with a benchmark URLconf.

The model's URL and name, Redis, the database and static files come from the environment
the benchmark sets. Only the keys below are given (the demo's vocabulary among them): every
other HELP key is the product's default. "before" (the original module, original_module.py)
reads the model's URL and name here and has its own constants (profiles.ORIGINAL).
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "benchmarks-only-secret-key")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")

from benchmarks.profiles import MAX_STREAMS_PER_CLIENT, RATE_LIMIT, VOCABULARY  # noqa: E402
from monchai.settings import *  # noqa: E402, F403

ROOT_URLCONF = "benchmarks.bench_urls"

HELP = {
    "OLLAMA_URL": os.environ["OLLAMA_URL"],
    "OLLAMA_MODEL": os.environ["OLLAMA_MODEL"],
    "RATE_LIMIT": RATE_LIMIT,
    "MAX_STREAMS_PER_CLIENT": int(
        os.environ.get("BENCH_MAX_STREAMS_PER_CLIENT", MAX_STREAMS_PER_CLIENT)
    ),
    # The demo site's own words, as the demo sets them (a site's setting, not a tuning):
    # without them the search and the similar level know no synonyms.
    "VOCABULARY": VOCABULARY,
}

# SQLite stands in for PostgreSQL: WAL and a long busy timeout let 16 threads in two
# processes write their HelpQuery rows without "database is locked".
DATABASES["default"]["OPTIONS"] = {  # noqa: F405
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "timeout": 30,
}
