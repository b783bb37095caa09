"""Admin pages read only through the store scope: no page module can query around it."""

from __future__ import annotations

import ast
from pathlib import Path

ADMIN = Path(__file__).resolve().parents[2] / "app" / "web" / "admin"
#: Modules that resolve the store itself (before a scope exists) may touch the session.
RESOLVERS = {"access.py", "login.py", "__init__.py", "pages.py"}
FORBIDDEN_NAMES = {"db_session", "select", "text"}
FORBIDDEN_CALLS = {"execute", "scalars", "scalar", "query"}


def page_modules() -> list[Path]:
    return [path for path in ADMIN.glob("*.py") if path.name not in RESOLVERS]


def test_page_modules_never_query_the_database_directly() -> None:
    offenders = []
    for path in page_modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                offenders += [
                    f"{path.name} imports {alias.name}"
                    for alias in node.names
                    if alias.name in FORBIDDEN_NAMES and node.module != "typing"
                ]
            if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_CALLS:
                offenders.append(f"{path.name}:{node.lineno} calls .{node.attr}")
            if isinstance(node, ast.Attribute) and node.attr == "get":
                owner = node.value
                if isinstance(owner, ast.Attribute) and owner.attr == "session":
                    offenders.append(f"{path.name}:{node.lineno} calls session.get (use scope.get)")
    assert not offenders, "read through current_scope() and app.core:\n" + "\n".join(offenders)


def test_the_guard_list_covers_the_page_modules() -> None:
    assert {path.name for path in page_modules()} >= {
        "home.py", "recipes.py", "activity.py", "customers.py", "settings.py", "progress.py",
    }  # fmt: skip
