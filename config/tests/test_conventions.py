"""The conventions of ARCHITECTURE.md's "One shape for every app", kept by reading the code.

Services modules are every app's `services.py` and each module of a `services/` package; a
public function is a top-level `def` whose name does not start with `_`.

- **`actor` first.** A public function of a services module takes keyword arguments only
  (no positional parameters, no `*args`) and its first keyword is `actor`, with no default.
- **Services only write.** A public function of a services module writes. It writes when it
  runs in `transaction.atomic` (as a decorator, or a `with` item), calls a model or queryset
  write (`save`, `create`, `get_or_create`, `update_or_create`, `update`, `delete`, `bulk_*`,
  or a many-to-many `set`/`add`/`remove`/`clear`), calls a public service of any app, or calls
  a function of its own module that writes. Reads go to selectors; private helpers may stay.
- **The shape.** Every app but the exempt ones has the modules the shape block lists, and the
  doc's exemptions are the ones this test reads.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
ARCHITECTURE = ROOT / "ARCHITECTURE.md"
WRITE_METHODS = frozenset(
    {
        "save",
        "create",
        "get_or_create",
        "update_or_create",
        "update",
        "delete",
        "bulk_create",
        "bulk_update",
        "set",
        "add",
        "remove",
        "clear",
    }
)


@dataclass(frozen=True)
class Module:
    path: Path
    tree: ast.Module

    def public_functions(self) -> list[ast.FunctionDef]:
        return [node for node in self.functions() if not node.name.startswith("_")]

    def functions(self) -> list[ast.FunctionDef]:
        return [node for node in self.tree.body if isinstance(node, ast.FunctionDef)]


def project_apps() -> list[str]:
    """The project's own apps (not Django's or a library's), by package name."""
    return sorted(
        config.name for config in apps.get_app_configs() if Path(config.path).parent == ROOT
    )


def services_modules(root: Path = ROOT) -> list[Module]:
    paths = [*root.glob("*/services.py"), *root.glob("*/services/*.py")]
    return [Module(path, ast.parse(path.read_text(), str(path))) for path in sorted(paths)]


def actor_first_violations(module: Module) -> Iterator[str]:
    for function in module.public_functions():
        arguments = function.args
        if arguments.posonlyargs or arguments.args or arguments.vararg:
            yield f"{function.name} takes positional parameters"
        elif not arguments.kwonlyargs or arguments.kwonlyargs[0].arg != "actor":
            yield f"{function.name}'s first keyword is not `actor`"
        elif arguments.kw_defaults[0] is not None:
            yield f"{function.name}'s `actor` has a default"


def _is_atomic(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name == "atomic"


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _writes_itself(function: ast.FunctionDef, services: frozenset[str]) -> bool:
    if any(_is_atomic(decorator) for decorator in function.decorator_list):
        return True
    for node in ast.walk(function):
        if isinstance(node, ast.With) and any(_is_atomic(i.context_expr) for i in node.items):
            return True
        if isinstance(node, ast.Call):
            name = _called_name(node)
            method = isinstance(node.func, ast.Attribute) and name in WRITE_METHODS
            if method or name in services:
                return True
    return False


def writing_functions(module: Module, services: frozenset[str]) -> set[str]:
    """The module's functions that write, directly or through another of its functions."""
    functions = {function.name: function for function in module.functions()}
    writes = {name for name, f in functions.items() if _writes_itself(f, services)}
    grew = True
    while grew:
        calls = {
            name: {_called_name(n) for n in ast.walk(f) if isinstance(n, ast.Call)}
            for name, f in functions.items()
            if name not in writes
        }
        new = {name for name, called in calls.items() if called & writes}
        writes |= new
        grew = bool(new)
    return writes


def public_services(modules: list[Module]) -> frozenset[str]:
    return frozenset(f.name for module in modules for f in module.public_functions())


def read_only_violations(module: Module, services: frozenset[str]) -> Iterator[str]:
    # A service calling itself by name would count as a write: it is not one of ours.
    writes = writing_functions(module, services - {f.name for f in module.functions()})
    for function in module.public_functions():
        if function.name not in writes:
            yield f"{function.name} writes nothing: it belongs in selectors (or its model)"


def _architecture_section(title: str) -> str:
    text = ARCHITECTURE.read_text()
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def documented_shape() -> tuple[list[str], dict[str, str]]:
    """The paths the shape block lists (`<app>/...`) and the exempt apps, as the doc says."""
    section = _architecture_section("One shape for every app")
    block = section.split("```", 2)[1]
    paths = re.findall(r"^<app>/(\S+)", block, re.MULTILINE)
    exemptions = re.search(r"Exempt:(.*?)\.\n", section, re.DOTALL)
    assert exemptions, "the shape section names no exempt apps"
    exempt = dict(re.findall(r"`(\w+)` \(([^)]*)\)", exemptions[1]))
    return paths, exempt


def missing_from_shape(app: Path, paths: list[str]) -> list[str]:
    """The shape's paths the app lacks; `services.py` may be a `services/` package."""
    missing = []
    for path in paths:
        found = (app / path).exists()
        if path == "services.py":
            found = found or (app / "services" / "__init__.py").exists()
        if not found:
            missing.append(path)
    return missing


@pytest.fixture(scope="module")
def modules() -> list[Module]:
    return services_modules()


def test_every_app_has_a_services_module(modules):
    shaped = set(project_apps()) - documented_shape()[1].keys()
    assert shaped <= {module.path.relative_to(ROOT).parts[0] for module in modules}


def test_every_service_takes_actor_first_and_keywords_only(modules):
    found = [f"{m.path.relative_to(ROOT)}: {v}" for m in modules for v in actor_first_violations(m)]
    assert found == []


def test_every_public_function_of_a_services_module_writes(modules):
    services = public_services(modules)
    found = [
        f"{m.path.relative_to(ROOT)}: {violation}"
        for m in modules
        for violation in read_only_violations(m, services)
    ]
    assert found == []


def test_every_app_has_the_documented_shape():
    paths, exempt = documented_shape()
    assert {"models.py", "services.py", "policies.py", "tests/factories.py"} <= set(paths)
    assert set(exempt) <= {*project_apps(), "config"}, "the doc exempts an app that is gone"
    missing = {
        app: gaps
        for app in project_apps()
        if app not in exempt and (gaps := missing_from_shape(ROOT / app, paths))
    }
    assert missing == {}


def _module(source: str) -> Module:
    return Module(Path("app/services.py"), ast.parse(source))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def a_b(*, actor, x): ...", []),
        ("def a_b(actor, *, x): ...", ["a_b takes positional parameters"]),
        ("def a_b(*, x, actor): ...", ["a_b's first keyword is not `actor`"]),
        ("def a_b(*, actor=None): ...", ["a_b's `actor` has a default"]),
        ("def _helper(x, actor): ...", []),
    ],
)
def test_actor_rule_reads_signatures(source, expected):
    assert list(actor_first_violations(_module(source))) == expected


@pytest.mark.parametrize(
    ("source", "writes"),
    [
        ("@transaction.atomic\ndef a_b(*, actor): pass", True),
        ("def a_b(*, actor):\n    with x, transaction.atomic():\n        pass", True),
        ("def a_b(*, actor):\n    row.save()", True),
        ("def a_b(*, actor):\n    Row.objects.bulk_create([])", True),
        ("def a_b(*, actor):\n    _c()\ndef _c():\n    row.delete()", True),
        ("def a_b(*, actor):\n    other_service(actor=actor)", True),
        ("def a_b(*, actor):\n    return Row.objects.filter(x=1).exists()", False),
        ("def a_b(*, actor):\n    save(row)", False),  # a bare name is not a model write
    ],
)
def test_write_rule_reads_bodies(source, writes):
    found = list(read_only_violations(_module(source), frozenset({"other_service"})))
    assert (found == []) is writes
