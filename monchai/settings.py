"""Settings for the MonChai demo, read from the environment (see .env.example)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

# A .env file beside manage.py is read when present; real environment wins.
load_dotenv(BASE_DIR / ".env", override=False)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_number(name: str, default: str, kind: type = float) -> float | int | str:
    """The variable as a number; a malformed value is kept as is for help's checks to report."""
    raw = os.environ.get(name) or default
    try:
        return kind(raw)
    except ValueError:
        return raw


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

_DEV_SECRET_KEY = "django-insecure-monchai-development-only"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (see .env.example)."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif SECRET_KEY == _DEV_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured("The development secret key cannot be used with DJANGO_DEBUG off.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "help",
    "monchai",
]

MIDDLEWARE = [
    "monchai.proxy.RealClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware: activates the language of each request.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "monchai.urls"
WSGI_APPLICATION = "monchai.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads and processes write (answers, feedback, the admin): with WAL readers
    # never wait for a writer, and a writer waits its turn instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 5,
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_settings(redis_url: str | None) -> dict:
    """Redis through django-redis when a URL is given, else an in-process cache."""
    if not redis_url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_url,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "PARSER_CLASS": "redis.connection._HiredisParser",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "CONNECTION_POOL_KWARGS": {"max_connections": 100, "retry_on_timeout": False},
            },
            "KEY_PREFIX": "monchai",
        }
    }


REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = cache_settings(REDIS_URL)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# French by default; English for whoever picks it in the header's switcher (set_language's
# cookie) or whose browser prefers it (Accept-Language). The help widget, its articles and
# its answers follow the active language.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

SECURE_COOKIES = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
# Reverse proxies whose X-Real-IP header gives the visitor's address (monchai/proxy.py).
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", "")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

HELP = {
    "OLLAMA_URL": os.environ.get("OLLAMA_URL", "http://127.0.0.1:11434"),
    "OLLAMA_MODEL": os.environ.get("OLLAMA_MODEL", "phi3:mini"),
    # Empty: OLLAMA_MODEL alone; else the chain, best first (its first replaces OLLAMA_MODEL).
    "OLLAMA_MODELS": env_list("OLLAMA_MODELS", ""),
    "FIRST_TOKEN_BUDGET": (
        env_number("HELP_FIRST_TOKEN_BUDGET", "")
        if os.environ.get("HELP_FIRST_TOKEN_BUDGET")
        else None
    ),
    "OLLAMA_KEEP_ALIVE": os.environ.get("OLLAMA_KEEP_ALIVE", "60m"),
    "OLLAMA_CONNECT_TIMEOUT": env_number("OLLAMA_CONNECT_TIMEOUT", "2"),
    "DEADLINE": env_number("HELP_DEADLINE", "5"),
    "TIMEOUT": env_number("HELP_TIMEOUT", "30"),
    "UPGRADE_WAIT": env_number("HELP_UPGRADE_WAIT", "3"),
    "MAX_WAITING_STREAMS": env_number("HELP_MAX_WAITING_STREAMS", "64", int),
    "OLLAMA_RETRIES": env_number("HELP_OLLAMA_RETRIES", "2", int),
    "HTTP_POOL_SIZE": env_number("HELP_HTTP_POOL_SIZE", "20", int),
    "CACHE_TTL": env_number("HELP_CACHE_TTL", "3600", int),
    "MAX_HINTS_CHARS": env_number("HELP_MAX_HINTS_CHARS", "400", int),
    "MAX_DOCS_CHARS": env_number("HELP_MAX_DOCS_CHARS", "600", int),
    "MAX_QUESTION_CHARS": env_number("HELP_MAX_QUESTION_CHARS", "500", int),
    "RATE_LIMIT": os.environ.get("HELP_RATE_LIMIT", "30/m"),
    "SUGGEST_RATE_LIMIT": os.environ.get("HELP_SUGGEST_RATE_LIMIT", "120/m"),
    "METRICS_TOKEN": os.environ.get("HELP_METRICS_TOKEN", ""),
    "QUERY_RETENTION_DAYS": env_number("HELP_QUERY_RETENTION_DAYS", "90", int),
    # Tickets from the widget: mailed here when set (Django's mail settings); a support page
    # the widget links to instead of its form when HELP_SUPPORT_URL is set.
    "SUPPORT_EMAIL": os.environ.get("HELP_SUPPORT_EMAIL", ""),
    "SUPPORT_URL": os.environ.get("HELP_SUPPORT_URL", ""),
    "MAX_STREAMS_PER_CLIENT": env_number("HELP_MAX_STREAMS_PER_CLIENT", "4", int),
    # The demo's own words for its domain, in French and English (help/search/vocabulary.py).
    "VOCABULARY": "monchai.help_vocabulary.VOCABULARY",
}

# Mail (the widget's support tickets): SMTP when DJANGO_EMAIL_HOST is set, else each mail is
# printed on the console, so a ticket mailed from `make run` shows in the terminal.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_number("DJANGO_EMAIL_PORT", "587", int)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10  # seconds: a mail server that hangs must not hold a request for ever
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "webmaster@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"help": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
