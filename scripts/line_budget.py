"""Production lines per app: Python lines that are neither blank nor comments, outside tests and
migrations. Run from the repository root: `python scripts/line_budget.py`."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("common", "people", "delegation", "library", "blog", "school", "config", "devtools")
SKIPPED = {"tests", "migrations"}


def counted(path: Path) -> int:
    """Lines of one file that hold code or docstrings (blank lines and comments do not count)."""
    lines = path.read_text().splitlines()
    return sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))


def app_lines(app: str) -> int:
    files = (ROOT / app).rglob("*.py")
    return sum(counted(f) for f in files if not SKIPPED & set(f.relative_to(ROOT).parts))


def main() -> None:
    rows = [(app, app_lines(app)) for app in APPS if (ROOT / app).is_dir()]
    width = max(len(app) for app, _ in rows)
    for app, lines in rows:
        sys.stdout.write(f"{app:<{width}}  {lines:>6}\n")
    sys.stdout.write(f"{'total':<{width}}  {sum(lines for _, lines in rows):>6}\n")


if __name__ == "__main__":
    main()
