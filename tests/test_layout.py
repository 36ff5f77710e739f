"""The package map of the README's "Architecture" section, held: imports point down the flow.

Every ``from help...`` / ``import help...`` in ``help/`` is read from the source (type-only
and function-level imports included), so a cycle cannot hide behind ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

HELP = Path(__file__).resolve().parents[1] / "help"

# What each part of help/ may import from help/, besides itself. Lower parts never import
# higher ones; nothing imports checks, views (but for the admin's Markdown preview) or admin.
ALLOWED = {
    "conf": set(),
    "permissions": set(),
    "models": set(),
    "shared_state": {"conf"},
    "ollama": {"conf"},
    "search": {"conf", "models", "shared_state"},
    "answering": {"conf", "models", "shared_state", "ollama", "search"},
    "ops": {"conf", "models", "shared_state", "ollama", "search", "answering"},
    "views": {"conf", "models", "shared_state", "search", "answering", "ops", "permissions"},
    "admin": {"conf", "models", "shared_state", "ollama", "search", "answering", "ops", "views"},
    "templatetags": {"conf", "search"},
    "management": {"conf", "models", "ollama", "ops"},
    "checks": {"conf", "search"},
    "urls": {"views"},
    "apps": {"checks", "models", "search", "answering", "ops"},  # it wires the parts
    "migrations": set(),
}


def part_of(module: str) -> str:
    """``help.search.index`` -> ``search``; ``help.conf`` -> ``conf``."""
    return module.split(".")[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(HELP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


PATHS = {module_name(path): path for path in sorted(HELP.rglob("*.py"))}


def help_imports(path: Path) -> set[str]:
    """The help modules (or packages) that ``path`` imports: ``from help.ops import warmup``
    imports ``help.ops.warmup``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "help" or node.module.startswith("help."):
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    found.add(submodule if submodule in PATHS else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("help."))
    return found


MODULES = {module: help_imports(path) for module, path in PATHS.items()}


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "help"))
def test_imports_point_down_the_flow(module):
    own = part_of(module)
    assert own in ALLOWED, f"{module} is in no part of the package map"
    wrong = {
        target
        for target in MODULES[module]
        if part_of(target) != own and part_of(target) not in ALLOWED[own]
    }
    assert not wrong, f"{module} imports {sorted(wrong)}, above it in the flow"


def test_no_import_cycle():
    graph = {module: {t for t in targets if t in MODULES} for module, targets in MODULES.items()}
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            cycle = trail[trail.index(module) :] + [module]
            pytest.fail(f"import cycle: {' -> '.join(cycle)}")
        if module in done:
            return
        for target in graph[module]:
            visit(target, [*trail, module])
        done.add(module)

    for module in graph:
        visit(module, [])


def test_the_map_names_every_part():
    parts = {part_of(m) for m in MODULES if m != "help"}
    assert parts == set(ALLOWED)
