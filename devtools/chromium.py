"""Headless Chromium from Debian's packages, driven by Selenium through Debian's chromium-driver.

Used by the end-to-end tests (`config/tests/e2e/`) and by `scripts/screenshots.py`. Nothing here
downloads a browser or a driver: naming the driver's path makes Selenium skip Selenium Manager,
and `chromium` and `chromium-driver` come from one Debian source package at one version, so the
driver always speaks the browser's protocol (`scripts/lib.sh` `ensure_chromium` installs both).
Development only (selenium is in requirements-dev.in), like `devtools.testing`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
# Generous: the machine is small and shared; a wait ends as soon as its condition holds.
WAIT_SECONDS = 15.0


def missing() -> list[str]:
    """The Debian packages whose binaries are absent (empty when the browser can start)."""
    needed = {"chromium": CHROMIUM, "chromium-driver": CHROMEDRIVER}
    return [package for package, path in needed.items() if not _executable(path)]


def _executable(path: str) -> bool:
    return (Path(path).is_file() and os.access(path, os.X_OK)) or shutil.which(path) is not None


def launch(*, width: int = 1200, height: int = 900) -> WebDriver:
    """A headless Chromium with a `width` x `height` window at scale 1 (PNGs that wide)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        # Root in containers and CI: Chromium's sandbox needs user namespaces they may lack.
        "--no-sandbox",
        "--disable-dev-shm-usage",  # a container's /dev/shm is often 64 MB
        "--disable-gpu",
        "--force-device-scale-factor=1",
        f"--window-size={width},{height}",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    # The window's size counts the (invisible) browser frame: grow it until the page itself is
    # `width` x `height`, the size of a screenshot.
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])
    return driver


def wait_for(driver: WebDriver, css: str, *, timeout: float = WAIT_SECONDS) -> WebElement:
    """The first element matching `css` once it is visible."""
    locator = ("css selector", css)
    visible = expected_conditions.visibility_of_element_located(locator)
    return WebDriverWait(driver, timeout).until(visible)


def wait_for_url(driver: WebDriver, path: str, *, timeout: float = WAIT_SECONDS) -> None:
    """Until the browser's address is `path` (query string aside), e.g. after a redirect."""
    WebDriverWait(driver, timeout).until(lambda d: d.current_url.split("?")[0].endswith(path))


def sign_in(
    driver: WebDriver,
    base_url: str,
    username: str,
    password: str,
    *,
    login_path: str = "/accounts/login/",
) -> None:
    """Sign in through the login form at `login_path` (the members' or the admin's), as a person
    does: the session is the one the server makes, through its authentication and django-axes.
    Returns once the form has sent the browser on; a refused login stays on the form and fails
    here with the form's message."""
    driver.get(f"{base_url}{login_path}")
    wait_for(driver, "input[name=username]").send_keys(username)
    password_field = driver.find_element("name", "password")
    password_field.send_keys(password)
    password_field.submit()
    try:
        WebDriverWait(driver, WAIT_SECONDS).until(lambda d: login_path not in d.current_url)
    except TimeoutException:
        errors = driver.find_elements("css selector", ".errornote, .errorlist, .error")
        message = " ".join(error.text for error in errors) or "no message"
        raise AssertionError(f"{username} could not sign in at {login_path}: {message}") from None
