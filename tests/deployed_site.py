"""A site deployed as the README says, for the tests that start real gunicorn processes:
settings from environment variables, its database migrated and the demo loaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


def deployed_site(
    folder: Path, redis_url: str, ollama_url: str, *, static: bool = False, **variables: str
) -> dict[str, str]:
    """The environment of a site whose files live in ``folder``: short deadlines, no rate
    limit in the way, ``variables`` on top; with ``static``, its static files collected."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "monchai.settings",
        "DJANGO_SECRET_KEY": f"{folder.name}-secret",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
        "REDIS_URL": redis_url,
        "OLLAMA_URL": ollama_url,
        "HELP_DEADLINE": "2",
        "HELP_TIMEOUT": "6",
        "HELP_RATE_LIMIT": "100000/m",
        **variables,
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "load_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    if static:
        subprocess.run(
            [*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
    return env
