# Two commands matter: `make run` serves the demo, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SYSTEM_PACKAGES := redis-server chromium

.PHONY: run test lint format system-deps clean

# One line on the model: answers are degraded (built from the articles) while it is away.
define OLLAMA_STATUS
from help.health import health
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

# redis-server and Chromium come from Debian's packages; installed when missing and root.
system-deps:
	@missing=""; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
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

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: $(VENV)/.dev system-deps lint
	$(PY) -m pytest

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
