"""The package as a stranger gets it: the wheel built from this checkout holds the reusable
app alone, and the README's "Install into your own project" steps, followed literally in a
fresh virtualenv and a fresh ``startproject`` site, give a site that passes ``check``,
renders the widget and answers ``/help/health``.

The wheel is built from a copy of the checkout: setuptools builds in the source tree and
never empties its ``build/lib``, so a build in place could ship files left by an earlier
build (and would litter the checkout). The dependencies come from PyPI, as for a user;
pip's cache makes reruns quick.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.install, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[1]
PIP_TIMEOUT = 600  # a first run downloads Django and the other dependencies
COMMAND_TIMEOUT = 120

# The README's steps, as the test types them (held to the README's text below).
INSTALL_COMMAND = "pip install django-help-assistant"
CHECKOUT_INSTALL_COMMAND = "pip install ."
APP_ENTRY = '"help"'
REQUEST_PROCESSOR = "django.template.context_processors.request"
URL_LINE = 'path("help/", include("help.urls"))'
TAG_LINE = "{% load help_widget %}{% help_widget %}"
MIGRATE_COMMAND = "manage.py migrate"

NOT_THE_APP = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "staticfiles",
    "test-results",
    "db.sqlite3",
    ".env",
)

BASE_TEMPLATE = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>My site</title></head>
<body>
  <h1>My site</h1>
  {TAG_LINE}
</body>
</html>
"""

# Run by the site's `manage.py shell -c`: the home page, the health endpoint, where the
# page's static files are found, and the app's French catalogue; one JSON line back.
# setup_test_environment() lets the test client's host in, as Django's test runner does.
SITE_PROBE = """
import json, re
import help
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.test.utils import setup_test_environment
from django.utils import translation

setup_test_environment()
client = Client()
page = client.get("/")
html = page.content.decode()
health = client.get("/help/health")
static = {
    url: finders.find(url.removeprefix(settings.STATIC_URL))
    for url in re.findall(r'(?:src|data-css-url)="([^"]+)"', html)
    if url.startswith(settings.STATIC_URL)
}
with translation.override("fr"):
    label = translation.gettext("Help assistant")
print("PROBE " + json.dumps({
    "help_file": help.__file__,
    "page_status": page.status_code,
    "page": html,
    "static": static,
    "health_status": health.status_code,
    "health": json.loads(health.content),
    "label_fr": label,
}))
"""


def run(
    args: list[str | Path],
    cwd: Path,
    timeout: float = COMMAND_TIMEOUT,
    env: dict[str, str] | None = None,
) -> str:
    """The command's output; a failure shows the command, its output and its errors."""
    done = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        command = " ".join("<script>" if "\n" in str(arg) else str(arg) for arg in args)
        pytest.fail(
            f"{command} exited {done.returncode}\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )
    return done.stdout


def clean_env(venv: Path | None = None) -> dict[str, str]:
    """This process's environment without what points at the checkout's settings or venv."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old``, in which ' and " are the same quote
    (startproject's templates have used both)."""
    pattern = "".join("['\"]" if char in "'\"" else re.escape(char) for char in old)
    text, found = re.subn(pattern, lambda _: new, path.read_text())
    assert found == 1, f"{path.name} no longer holds {old!r} once"
    path.write_text(text)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source, out = work / "source", work / "dist"
    shutil.copytree(ROOT, source, ignore=NOT_THE_APP)
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check"]
        + ["-q", "--wheel-dir", out, source],
        cwd=work,
        timeout=PIP_TIMEOUT,  # the build backend (setuptools) comes from PyPI too
        env=clean_env(),
    )
    (built,) = out.glob("*.whl")
    return built


def test_readme_install_section_names_the_steps_this_test_follows() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Install into your own project", 1)[1].split("\n## ", 1)[0]
    for step in (
        INSTALL_COMMAND,
        CHECKOUT_INSTALL_COMMAND,
        APP_ENTRY,
        "`INSTALLED_APPS`",
        REQUEST_PROCESSOR,
        URL_LINE,
        TAG_LINE,
        "before `</body>`",
        MIGRATE_COMMAND,
    ):
        assert step in section


def test_wheel_holds_the_app_with_its_files_and_nothing_else(wheel: Path) -> None:
    assert wheel.name == "django_help_assistant-0.1.0-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "help/py.typed",
        "help/templates/help/widget.html",
        "help/templates/help/base.html",
        "help/templates/admin/help/dashboard.html",
        "help/static/help/widget.js",
        "help/static/help/widget.css",
        "help/locale/fr/LC_MESSAGES/django.po",
        "help/locale/fr/LC_MESSAGES/django.mo",
        "help/migrations/0001_initial.py",
        "help/ollama/client.py",
        "help/management/commands/warm_ollama.py",
        "help/templatetags/help_widget.py",
    ):
        assert name in names
    top_level = {name.split("/")[0] for name in names}
    assert top_level == {"help", "django_help_assistant-0.1.0.dist-info"}
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_readme_install_steps_give_a_site_that_renders_the_widget(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv], cwd=tmp_path)
    python, env = venv / "bin" / "python", clean_env(venv)

    # 1. Install the package (here the wheel just built; its dependencies from PyPI).
    run(
        [python, "-m", "pip", "install", "--disable-pip-version-check", "-q", wheel],
        cwd=tmp_path,
        timeout=PIP_TIMEOUT,
        env=env,
    )
    run([venv / "bin" / "django-admin", "startproject", "mysite"], cwd=tmp_path, env=env)
    site = tmp_path / "mysite"
    settings, urls = site / "mysite" / "settings.py", site / "mysite" / "urls.py"

    # 2. "help" in INSTALLED_APPS; the request context processor is already there.
    edit(
        settings,
        '"django.contrib.staticfiles",\n]',
        f'"django.contrib.staticfiles",\n    {APP_ENTRY},\n]',
    )
    assert re.search(rf"""['"]{re.escape(REQUEST_PROCESSOR)}['"]""", settings.read_text())

    # 3. The URLconf line, and 4. a base template with the tag, served at "/".
    edit(
        urls,
        "from django.urls import path\n",
        "from django.urls import include, path\nfrom django.views.generic import TemplateView\n",
    )
    edit(
        urls,
        "urlpatterns = [\n",
        "urlpatterns = [\n"
        '    path("", TemplateView.as_view(template_name="base.html")),\n'
        f"    {URL_LINE},\n",
    )
    edit(settings, '"DIRS": [],', '"DIRS": [BASE_DIR / "templates"],')
    (site / "templates").mkdir()
    (site / "templates" / "base.html").write_text(BASE_TEMPLATE)

    # 5. manage.py migrate (the articles are optional; 6, Redis and Ollama, too).
    manage = [python, site / "manage.py"]
    migrated = run([*manage, "migrate", "--no-input"], cwd=site, env=env)
    assert "Applying help.0001_initial... OK" in migrated
    run([*manage, "check"], cwd=site, env=env)

    output = run([*manage, "shell", "-c", SITE_PROBE], cwd=site, env=env)
    probe = json.loads(output.split("PROBE ", 1)[1])

    assert (
        Path(probe["help_file"]).resolve().is_relative_to(venv.resolve())
    )  # the installed app, not the checkout
    assert probe["page_status"] == 200
    page = probe["page"]
    assert re.search(r'<script src="/static/help/widget\.js" defer\b', page), page
    assert 'data-stream-url="/help/ask/stream"' in page
    assert set(probe["static"]) == {"/static/help/widget.js", "/static/help/widget.css"}
    for url, found in probe["static"].items():
        assert found is not None, f"{url} is not among the site's static files"
        assert Path(found).resolve().is_relative_to(venv.resolve())
        assert Path(found).stat().st_size > 0
    assert probe["label_fr"] != "Help assistant"  # the French catalogue is installed

    # No Ollama at the default URL here: health still answers, and says it is degraded
    # (anonymous callers see only the status).
    assert probe["health_status"] == 200
    assert probe["health"] in ({"status": "degraded"}, {"status": "ok"})
