"""Every tracked text file explains itself: no pointer to a tracker that is not in the repository.

A sentence that says where a change came from ("see issue 12", "finding 3") tells the next
engineer nothing once the tracker is gone; it must say why instead (the behaviour or the figure).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

NUMBERED = r"\b(?:issue|finding|item)s?\s*#?\d+"
NAMED = r"\b(?:the|this|that|[a-z]+'s)\s+(?:issue|finding)\b|^\W*finding:"
TRACKER_REFERENCE = re.compile(f"{NUMBERED}|{NAMED}", re.IGNORECASE | re.MULTILINE)


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout
    paths = (ROOT / name for name in listed.split("\0") if name)
    # This file names the references it forbids, as examples.
    return [path for path in paths if path.is_file() and path != Path(__file__).resolve()]


def text_of(path: Path) -> str | None:
    """The file's text, or None for a binary file (a NUL byte, or not UTF-8)."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode()
    except UnicodeDecodeError:
        return None


def tracker_references(text: str) -> list[str]:
    return [match.group(0) for match in TRACKER_REFERENCE.finditer(text)]


@pytest.mark.parametrize(
    "text",
    ["fixed in issue 13", "Finding 3: moved twice", "issue #7", "(issue 13 item 5)", "the issue's"],
)
def test_the_pattern_catches_references(text: str) -> None:
    assert tracker_references(text)


@pytest.mark.parametrize("text", ["2 findings of drift", "the issues below", "an item's price"])
def test_the_pattern_leaves_ordinary_words(text: str) -> None:
    assert not tracker_references(text)


def test_no_tracked_file_refers_to_an_issue_or_finding() -> None:
    found = [
        f"{path.relative_to(ROOT)}: {reference}"
        for path in tracked_text_files()
        if (text := text_of(path)) is not None
        for reference in tracker_references(text)
    ]
    assert not found, "say why, not where it came from:\n" + "\n".join(found)
