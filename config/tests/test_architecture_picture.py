"""docs/architecture/layers.dot matches the contracts and the imports (scripts/architecture.py).

Like the blog's schema history: a new import between apps, or a changed contract, fails here until
the picture is regenerated (`.venv/bin/python scripts/architecture.py`) and committed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_layers_picture_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/architecture.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
