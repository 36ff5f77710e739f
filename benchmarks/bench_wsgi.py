"""WSGI entry point of the benchmark's gunicorn (benchmarks.bench_settings)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.bench_settings")

application = get_wsgi_application()
