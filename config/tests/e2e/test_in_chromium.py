"""What people do, in a real browser (Debian's headless Chromium): a member signs in and sees
their loans, the explorer answers a check and draws it, the admin desk lends and takes back a
copy, and the library lab shows its tables beside the debug toolbar's panels.

The assertions name stable things (form field names, the desk's operation buttons, the toolbar's
panel ids, the strategies' names), not the pages' wording, which other changes improve."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.shadowroot import ShadowRoot
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from common.testing_browser import WAIT_SECONDS, sign_in_as, wait_for, wait_for_url
from delegation.tests.scenario import build_school, lend
from library import lab
from library.models import Loan
from library.tests.factories import BookFactory, CopyFactory, LoanFactory, MemberFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"


def page_text(browser: WebDriver) -> str:
    return browser.find_element(By.TAG_NAME, "body").text


def test_a_member_signs_in_and_sees_their_loans(browser: WebDriver, live_server) -> None:
    reader = User.objects.create_user("reader", "reader@example.com", PASSWORD)
    loan = LoanFactory(member=MemberFactory(user=reader), copy__book__title="Orchestra Nights")
    someone_else = LoanFactory(copy__book__title="Not Yours")

    browser.get(f"{live_server.url}/accounts/")  # signed out: sent to the sign-in form
    wait_for(browser, "input[name=username]").send_keys("reader")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.NAME, "password").submit()
    wait_for_url(browser, "/accounts/")

    loans = wait_for(browser, "main table").text
    assert "Orchestra Nights" in loans and loan.copy.barcode in loans
    assert someone_else.copy.barcode not in page_text(browser)


def test_the_explorer_answers_a_check_and_draws_its_proof(
    browser: WebDriver, live_server, staff_user: User
) -> None:
    school = build_school()
    lend(
        school.alice,
        school.bob,
        permission=school.circulate,
        start=timezone.now() - timedelta(days=1),
        days=None,
    )
    sign_in_as(browser, live_server.url, staff_user)

    browser.get(f"{live_server.url}/delegation/")
    Select(wait_for(browser, "select[name=question]")).select_by_value("check")
    browser.find_element(By.NAME, "person").send_keys(str(school.bob.pk))
    Select(browser.find_element(By.NAME, "permission")).select_by_value("library.circulate")
    browser.find_element(
        By.NAME, "permission"
    ).submit()  # the form's own submit, whatever its button

    wait_for_url(browser, "/delegation/")
    picture = wait_for(browser, "main svg, main img[src*='png']")
    assert picture.size["width"] > 0 and picture.size["height"] > 0
    assert "ALLOWED" in page_text(browser) and "NOT allowed" not in page_text(browser)
    assert browser.find_elements(By.CSS_SELECTOR, "main table tbody tr")  # the proof's edges


def test_the_admin_desk_checks_a_copy_out_and_in(
    browser: WebDriver, live_server, staff_user: User
) -> None:
    member = MemberFactory(card_number="C77777")
    copy = CopyFactory(barcode="B7777777-0")
    sign_in_as(browser, live_server.url, staff_user)
    browser.get(f"{live_server.url}/admin/library/loan/desk/")

    desk_operation(browser, "checkout", card_number=member.card_number, barcodes=copy.barcode)
    assert f"Lent {copy.barcode}" in wait_for(browser, ".messagelist").text
    assert Loan.objects.filter(copy=copy, returned_at__isnull=True).exists()

    desk_operation(browser, "return", barcodes=copy.barcode)
    assert f"Returned {copy.barcode}" in wait_for(browser, ".messagelist").text
    assert not Loan.objects.filter(copy=copy, returned_at__isnull=True).exists()


def desk_operation(browser: WebDriver, operation: str, **fields: str) -> None:
    """Fill one of the desk's forms (its fields are prefixed with the operation) and press its
    button; wait for the page the post redirects to."""
    old_page = browser.find_element(By.TAG_NAME, "html")
    for name, value in fields.items():
        field = browser.find_element(By.NAME, f"{operation}-{name}")
        field.clear()
        field.send_keys(value)
    browser.find_element(By.CSS_SELECTOR, f"button[name=operation][value={operation}]").click()
    WebDriverWait(browser, WAIT_SECONDS).until(staleness_of(old_page))


def test_the_library_lab_shows_its_tables_and_the_toolbar_panels(
    browser: WebDriver, toolbar_server: str
) -> None:
    for number in range(3):
        CopyFactory(book=BookFactory(title=f"Lab book {number}"))

    browser.get(f"{toolbar_server}/library/lab/")

    strategies = wait_for(browser, "main table").text
    assert all(strategy in strategies for strategy in lab.STRATEGIES)
    assert "Lab book 0" in page_text(browser)  # the rows table
    toolbar = toolbar_of(browser)
    for panel in ("SQLPanel", "GraphPanel", "CacheCountersPanel"):
        assert toolbar.find_elements(By.CSS_SELECTOR, f"#djdt-{panel}"), f"no {panel} in toolbar"
    assert "SELECT" in open_panel(browser, toolbar, "SQLPanel")  # the page's queries
    assert open_panel(browser, toolbar, "CacheCountersPanel").strip()


def toolbar_of(browser: WebDriver) -> ShadowRoot:
    """The toolbar draws itself in a shadow DOM (django-debug-toolbar 8), out of the page's CSS
    and of the page's selectors."""
    return browser.find_element(By.ID, "djDebugRoot").shadow_root


def open_panel(browser: WebDriver, toolbar: ShadowRoot, panel: str) -> str:
    """Click a toolbar panel's button and return its content once the toolbar fetched it."""
    toolbar.find_element(By.CSS_SELECTOR, f"#djdt-{panel} a").click()
    content = f"#{panel} .djdt-scroll"
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda _: toolbar.find_element(By.CSS_SELECTOR, content).text.strip()
    )
    text = toolbar.find_element(By.CSS_SELECTOR, content).text
    toolbar.find_element(By.CSS_SELECTOR, f"#{panel} .djDebugClose").click()
    return text
