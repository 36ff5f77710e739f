"""A run's record: machine and versions, then results/<timestamp>-<backend>.json and .md."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results")


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    meminfo = Path("/proc/meminfo").read_text(encoding="utf-8", errors="replace")
    cpu = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    memory = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.M)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu.group(1).strip() if cpu else platform.processor(),
        "memory_gb": round(int(memory.group(1)) / 1024**2, 1) if memory else None,
        "kernel": platform.release(),
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }


def versions() -> dict[str, str]:
    redis_server = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=False
    ).stdout
    found = re.search(r"v=(\S+)", redis_server)
    result = {"python": platform.python_version(), "redis-server": found.group(1) if found else ""}
    for package in (
        "django",
        "django-redis",
        "gunicorn",
        "gevent",
        "uvicorn",
        "requests",
        "playwright",
    ):
        result[package] = _version(package)
    return result


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def write_json(record: dict[str, Any]) -> Path:
    """Written first, so that a failure to render loses no measurement."""
    RESULTS.mkdir(exist_ok=True)
    path = _base(record).with_suffix(".json")
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return path


def write(record: dict[str, Any], markdown: str) -> tuple[Path, Path]:
    md_path = _base(record).with_suffix(".md")
    json_path = write_json(record)
    md_path.write_text(markdown, "utf-8")
    return json_path, md_path


def _base(record: dict[str, Any]) -> Path:
    stamp = datetime.fromisoformat(record["date"]).strftime("%Y%m%d-%H%M%S")
    return RESULTS / f"{stamp}-{record['backend']}"
