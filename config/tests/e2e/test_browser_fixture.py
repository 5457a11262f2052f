"""Without Chromium the end-to-end tests skip, saying why, except under CI, where they fail:
CI runs every test it can, and scripts/test.sh installs the browser there."""

from __future__ import annotations

import pytest

from config.tests.e2e.conftest import _browser_or_skip
from devtools import chromium


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chromium, "CHROMIUM", "/nonexistent/chromium")


def test_without_chromium_outside_ci_the_tests_skip_naming_the_package(
    no_chromium: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Debian's chromium "):
        _browser_or_skip()


def test_without_chromium_under_ci_the_tests_fail(
    no_chromium: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI runs every test it can"):
        _browser_or_skip()
