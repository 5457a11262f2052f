"""`common` sits below every app: none of its code imports an upper app or names one, even in a
string (`apps.get_model("blog", "Post")`, a hard-coded list of labels). What common needs from
them, they register at start-up (ARCHITECTURE.md). Docstrings and comments may name them;
migrations are history and exempt."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

COMMON = Path(settings.BASE_DIR) / "common"
EXEMPT = {"tests", "migrations"}


def upper_apps() -> list[str]:
    """Every package import-linter checks (pyproject.toml), but common itself."""
    pyproject = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())
    packages = pyproject["tool"]["importlinter"]["root_packages"]
    return [package for package in packages if package != "common"]


def modules() -> list[Path]:
    return [
        path
        for path in sorted(COMMON.rglob("*.py"))
        if not EXEMPT & set(path.relative_to(COMMON).parts)
    ]


def docstring_nodes(tree: ast.Module) -> set[int]:
    holders = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, holders) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def namings(source: str, apps: list[str]) -> list[str]:
    """Each import of an upper app and each string (not a docstring) naming one, with its line."""
    word = re.compile(rf"\b({'|'.join(map(re.escape, apps))})\b")
    tree = ast.parse(source)
    docstrings = docstring_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported = [alias.name for alias in node.names]
            found += [f"line {node.lineno}: import {name}" for name in imported if word.match(name)]
        elif isinstance(node, ast.ImportFrom) and not node.level and word.match(node.module or ""):
            found.append(f"line {node.lineno}: import {node.module}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            named = id(node) not in docstrings and word.search(node.value)
            found += [f"line {node.lineno}: {node.value!r}"] if named else []
    return found


def test_no_module_of_common_imports_or_names_an_upper_app() -> None:
    apps = upper_apps()
    offences = {
        str(path.relative_to(COMMON)): found
        for path in modules()
        if (found := namings(path.read_text(), apps))
    }
    assert offences == {}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from blog.models import Post", ["line 1: import blog.models"]),
        ("import people.services as s", ["line 1: import people.services"]),
        ('m = apps.get_model("blog", "Post")', ["line 1: 'blog'"]),
        ('APPS = ("people", "school")', ["line 1: 'people'", "line 1: 'school'"]),
        ('path = f"{root}/library/x"', ["line 1: '/library/x'"]),
        ('"""The blog and the library."""\n# people\nx = 1', []),
        ('def f():\n    """Reads delegation."""\n    return "peoplex"', []),
        ("from common.models import AuditEntry", []),
    ],
)
def test_the_scan_sees_imports_and_strings_but_not_docstrings(
    source: str, expected: list[str]
) -> None:
    assert namings(source, ["people", "delegation", "school", "library", "blog"]) == expected
