"""The layers stay visible: the domain stands alone, http and storage stand on it and never on each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "parley"


def imports(folder: str) -> dict[str, set[str]]:
    """Every module under a folder of the package, with the top-level names of what it imports."""
    found = {}
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[str(path.relative_to(PACKAGE))] = names
    return found


def offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{module} imports {name}"
        for module, names in imports(folder).items()
        for name in sorted(names)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("domain", ("litestar", "aiosqlite", "sqlite3", "uvicorn", "parley.storage", "parley.http", "parley.app")),
        ("storage", ("litestar", "parley.http", "parley.app", "parley.cli")),
        ("http", ("aiosqlite", "sqlite3", "parley.storage", "parley.cli")),
    ],
)
def test_a_layer_imports_nothing_above_or_beside_it(folder: str, forbidden: tuple[str, ...]) -> None:
    assert offenders(folder, forbidden) == []


def test_only_settings_reads_environment_variables() -> None:
    readers = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(call in path.read_text(encoding="utf-8") for call in ("getenv(", "environ.get(", "environ["))
    ]
    assert readers == ["settings.py"]


def test_the_services_module_stands_on_the_domain_alone() -> None:
    tree = ast.parse((PACKAGE / "services.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert {name for name in imported if not name.startswith(("parley.domain", "__future__"))} == set()


def test_the_wiring_looks_nothing_up_by_name() -> None:
    for module in ("app.py", "http/deps.py"):
        source = (PACKAGE / module).read_text(encoding="utf-8")
        assert "getattr(" not in source, module
        assert "app.state" not in source, module
