"""Production installs only requirements.txt: every migration must import, and `migrate` must
run, without the development packages (the migration linter above all)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter: dev-only top-level modules are made unimportable before Django
# starts, then every migration module of every project app is imported and a fresh SQLite
# database is migrated to the end.
CHILD = """
import importlib, pkgutil, sys
from importlib.abc import MetaPathFinder
from pathlib import Path

BLOCKED = set(sys.argv[1].split(","))

class DevOnly(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"{name} is a development-only package", name=name)
        return None

sys.meta_path.insert(0, DevOnly())

import django
from django.apps import apps
from django.core.management import call_command

django.setup()
imported = 0
for config in apps.get_app_configs():
    if Path(config.path).parent != Path(sys.argv[2]):  # the project's own apps only
        continue
    package = importlib.import_module(f"{config.name}.migrations")
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
        imported += 1
call_command("migrate", verbosity=0, interactive=False)
print(imported)
"""


def _distributions(requirements: Path) -> set[str]:
    """Canonical names of the packages a requirements file pins (its `-r` includes skipped)."""
    names = set()
    for line in requirements.read_text().splitlines():
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*==", line.strip())
        if match:
            names.add(_canonical(match.group(1)))
    return names


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dev_only_modules() -> set[str]:
    """Top-level modules installed by requirements-dev.txt's own pins, not by requirements.txt."""
    dev_only = _distributions(ROOT / "requirements-dev.txt") - _distributions(
        ROOT / "requirements.txt"
    )
    return {
        module
        for module, distributions in packages_distributions().items()
        if any(_canonical(dist) in dev_only for dist in distributions)
    }


def test_dev_only_modules_include_the_migration_linter() -> None:
    assert {"django_migration_linter", "debug_toolbar", "factory"} <= dev_only_modules()


def test_every_migration_imports_and_migrate_runs_without_dev_packages(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "only-for-this-test-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "campus.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    env.pop("NEO4J_BOLT_URL", None)
    blocked = ",".join(sorted(dev_only_modules()))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, blocked, str(ROOT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.strip().splitlines()[-1]) >= 20
