"""The lock files agree with the pins they are compiled from (`bash scripts/lock.sh` after an edit).

pip installs a lock as it is, so a pin added to or changed in a `.in` file without re-locking would
otherwise go unnoticed until production runs an older version than the one developed against.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCKED = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)")


def direct_pins(name: str) -> dict[str, str]:
    """Name -> exact version of each requirement in a `.in` file (options like `-r` skipped)."""
    pins: dict[str, str] = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{name}: {line} is not pinned exactly"
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def locked_versions(name: str) -> dict[str, str]:
    matches = (LOCKED.match(line) for line in (ROOT / name).read_text().splitlines())
    return {canonicalize_name(m[1]): m[2] for m in matches if m}


@pytest.mark.parametrize(
    ("lock", "sources"),
    [
        ("requirements.txt", ["requirements.in"]),
        ("requirements-dev.txt", ["requirements.in", "requirements-dev.in"]),
    ],
)
def test_every_direct_pin_is_in_its_lock(lock: str, sources: list[str]) -> None:
    locked = locked_versions(lock)
    wanted = {name: version for source in sources for name, version in direct_pins(source).items()}
    stale = {
        name: (pin, locked.get(name)) for name, pin in wanted.items() if locked.get(name) != pin
    }
    assert stale == {}, f"{lock} is stale (pin, locked): run bash scripts/lock.sh"


def test_development_runs_the_production_versions() -> None:
    production = locked_versions("requirements.txt")
    development = locked_versions("requirements-dev.txt")
    assert {name: development.get(name) for name in production} == production
