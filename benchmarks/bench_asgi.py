"""ASGI entry point of the benchmark's uvicorn workers (benchmarks.bench_settings), for the
serving comparison only: /help/ask/stream is then benchmarks.asgi_stream's async view."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.bench_settings")
os.environ["BENCH_ASGI"] = "1"

application = get_asgi_application()
