"""Photograph the pages the README shows, in Debian's headless Chromium (run by screenshots.sh).

    python scripts/screenshots.py BASE_URL OUT_DIR

BASE_URL is a running server on local settings whose database this process reads too (the same
DATABASE_URL): it picks what to ask from the demo data, signs in as the demo account of each
page's role through the login form with DEMO_PASSWORD, as a person would, then writes one
1200 x 800 PNG per page into OUT_DIR. Reads only: the server makes the sessions.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()

from django.conf import settings  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402

from config.demo_accounts import MEMBER_CARD  # noqa: E402
from delegation.models import Delegation  # noqa: E402
from devtools import chromium  # noqa: E402

WIDTH, HEIGHT = 1200, 800
STAFF_LOGIN = "/admin/login/"
MEMBER_LOGIN = "/accounts/login/"


@dataclass(frozen=True)
class Shot:
    name: str
    path: Callable[[], str]
    username: str = ""  # the demo account signed in (run.sh prints them); none: anonymous
    login_path: str = MEMBER_LOGIN
    toolbar: bool = False  # the debug toolbar open (else folded to its handle)
    scroll_to: str = ""  # CSS of what the picture starts at (an answer below the form)


def explorer_check() -> str:
    """A check the demo data allows, as the explorer's own "Try" links ask it."""
    delegation = (
        Delegation.objects.filter(revoked_at__isnull=True, permission__isnull=False)
        .select_related("permission")
        .order_by("-pk")
        .first()
    )
    if delegation is None or delegation.permission is None:
        return "/delegation/"
    return (
        f"/delegation/?question=check&person={delegation.delegatee_id}"
        f"&permission={delegation.permission.codename}"
    )


SHOTS = [
    Shot("home", lambda: "/"),
    Shot("library-lab", lambda: "/library/lab/", toolbar=True),
    Shot("blog-schema-lab", lambda: "/blog/schema/"),
    Shot("delegation-explorer", explorer_check, "admin", STAFF_LOGIN, scroll_to="main section"),
    Shot("directory", lambda: "/school/", "admin", STAFF_LOGIN),
    Shot(
        "admin-desk",
        lambda: f"/admin/library/loan/desk/?card={MEMBER_CARD}",
        "librarian",
        STAFF_LOGIN,
    ),
    Shot("account", lambda: "/accounts/", "member"),
]


def take(browser: WebDriver, base_url: str, shot: Shot, out: Path) -> Path:
    browser.delete_all_cookies()
    if shot.username:
        chromium.sign_in(
            browser, base_url, shot.username, settings.DEMO_PASSWORD, login_path=shot.login_path
        )
    else:
        browser.get(f"{base_url}/favicon.ico")
    # The toolbar remembers in the page's storage whether it is open.
    show = "true" if shot.toolbar else "false"
    browser.execute_script("localStorage.setItem('djdt.show', arguments[0])", show)
    browser.get(base_url + shot.path())
    chromium.wait_for(browser, "main, #content")
    if shot.scroll_to:
        browser.execute_script(
            "const e = document.querySelector(arguments[0]); if (e) e.scrollIntoView();",
            shot.scroll_to,
        )
    time.sleep(0.5)  # the toolbar's script places itself after the page loads
    path = out / f"{shot.name}.png"
    browser.save_screenshot(str(path))
    return path


def main(base_url: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    browser = chromium.launch(width=WIDTH, height=HEIGHT)
    try:
        for shot in SHOTS:
            sys.stdout.write(f"  {take(browser, base_url, shot, out)}\n")
    finally:
        browser.quit()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), Path(sys.argv[2]))
