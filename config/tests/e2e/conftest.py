"""Fixtures of the end-to-end tests: Debian's headless Chromium, a screenshot of every failure,
and a development server on local settings (the debug toolbar's home) over the test database."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from selenium.webdriver.remote.webdriver import WebDriver

from devtools import chromium

ROOT = Path(settings.BASE_DIR)


def artifacts_dir() -> Path:
    """Where failures leave their screenshot and page: `$CI_ARTIFACTS_DIR/e2e` when CI names an
    output folder, else `artifacts/e2e/` in the checkout (git-ignored)."""
    base = os.environ.get("CI_ARTIFACTS_DIR")
    return (Path(base) if base else ROOT / "artifacts") / "e2e"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Keep each phase's report on the test, for the browser fixture's teardown to read."""
    report = yield
    item.stash.setdefault(PHASES, {})[report.when] = report
    return report


PHASES = pytest.StashKey[dict[str, pytest.TestReport]]()


def _browser_or_skip() -> None:
    absent = chromium.missing()
    if not absent:
        return
    reason = (
        f"end-to-end tests need Debian's {' and '.join(absent)} "
        "(`apt-get install chromium chromium-driver`; scripts/test.sh installs them)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI runs every test it can: {reason}")
    pytest.skip(reason)


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Iterator[WebDriver]:
    """A fresh headless Chromium per test (no cookies carried over); on failure its screenshot
    and page source are saved under `artifacts_dir()`, named after the test."""
    _browser_or_skip()
    driver = chromium.launch()
    try:
        yield driver
    finally:
        phases = request.node.stash.get(PHASES, {})
        if any(report.failed for report in phases.values()):
            _save_failure(driver, request.node.nodeid)
        driver.quit()


def _save_failure(driver: WebDriver, nodeid: str) -> None:
    folder = artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid)
    driver.save_screenshot(str(folder / f"{name}.png"))
    (folder / f"{name}.html").write_text(driver.page_source, encoding="utf-8")
    sys.stderr.write(f"\nscreenshot of the failure: {folder / name}.png\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _test_database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


@pytest.fixture
def toolbar_server(transactional_db: None, tmp_path: Path) -> Iterator[str]:
    """`manage.py runserver` on `config.settings.local` (DEBUG, the toolbar and its panels, as a
    student runs it) over the test database and Redis, for this test; its base URL.

    A server of its own rather than `live_server` with overridden settings: the toolbar's
    middleware, URLs and app are read when a server starts, and it refuses to run under tests
    (`IS_RUNNING_TESTS`, read from the environment, which is why PYTEST_VERSION is dropped).
    The test's rows are committed (`transactional_db`), so the server sees them.
    """
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key != "PYTEST_VERSION"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=_test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        DB_POOL_MAX_SIZE="4",
    )
    log = tmp_path / "runserver.log"  # a file, not a pipe: a full pipe would stall the server
    server = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "--skip-checks",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(server, port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_for_port(
    server: subprocess.Popen[bytes], port: int, log: Path, timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the development server exited: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the development server did not listen on {port} within {timeout} s")
