"""ARCHITECTURE.md stays true to the tree: its picture of the layers, and its index of `common/`.

The picture (docs/architecture/layers.dot) is generated from the import-linter contracts and the
apps' imports by scripts/architecture.py; like the blog's schema history, a new import between
apps or a changed contract fails here until it is regenerated and committed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMON = ROOT / "common"
NOT_INDEXED = {"__init__.py", "tests", "migrations", "templates"}


def test_the_layers_picture_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/architecture.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def indexed_common_modules() -> set[str]:
    """The names the `common/` section of ARCHITECTURE.md lists, one per line: "- `name`: ..."."""
    text = (ROOT / "ARCHITECTURE.md").read_text()
    section = text.split("## `common/`, module by module", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^- `([\w./]+)`", section, re.MULTILINE))


def common_modules() -> set[str]:
    modules = {path.name for path in COMMON.glob("*.py") if path.name not in NOT_INDEXED}
    packages = {
        f"{path.name}/"
        for path in COMMON.iterdir()
        if (path / "__init__.py").is_file() and path.name not in NOT_INDEXED
    }
    return modules | packages


def test_every_module_of_common_is_indexed_and_every_indexed_one_exists() -> None:
    indexed = indexed_common_modules()
    assert sorted(common_modules() - indexed) == [], "add a line to ARCHITECTURE.md"
    assert sorted(indexed - common_modules()) == [], "remove the line from ARCHITECTURE.md"
