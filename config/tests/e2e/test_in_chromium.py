"""What people do, in a real browser (Debian's headless Chromium): a member signs in and sees
their loans and fine, a student their grades, the explorer answers a check and draws it with the
names of the people in its proof, a librarian finds the desk on the admin index and lends and
takes back a copy, and the library lab shows its tables beside the debug toolbar's panels.

Everyone signs in through a login form (`chromium.sign_in`), never with a session made
behind the server's back. The assertions name stable things (form field names, the desk's
operation buttons, the toolbar's panel ids, the strategies' names, the people's names), not the
pages' wording, which other changes improve."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.shadowroot import ShadowRoot
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from delegation.tests.scenario import build_school, lend
from devtools.chromium import WAIT_SECONDS, sign_in, wait_for, wait_for_url
from library import lab
from library import services as library_services
from library.models import Loan
from library.tests.factories import BookFactory, CopyFactory, LoanFactory, MemberFactory
from people.models import Person
from school.models import Enrollment
from school.tests.factories import EnrollmentFactory, PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"


def page_text(browser: WebDriver) -> str:
    return browser.find_element(By.TAG_NAME, "body").text


def test_a_member_signs_in_and_sees_their_loans_and_fine(browser: WebDriver, live_server) -> None:
    reader = User.objects.create_user("reader", "reader@example.com", PASSWORD)
    member = MemberFactory(user=reader)
    loan = LoanFactory(member=member, copy__book__title="Orchestra Nights")
    someone_else = LoanFactory(copy__book__title="Not Yours")
    late = CopyFactory(book__title="Back Too Late")
    now = timezone.now()
    lent = library_services.loan_checkout(
        actor=None, member=member, barcodes=[late.barcode], now=now - timedelta(days=40)
    )
    library_services.loan_return(actor=None, loan=lent.loans[0], now=now - timedelta(days=5))

    browser.get(f"{live_server.url}/accounts/")  # signed out: sent to the sign-in form
    wait_for_url(browser, "/accounts/login/")
    sign_in(browser, live_server.url, "reader", PASSWORD)
    browser.get(f"{live_server.url}/accounts/")

    loans, _holds, fines = tables_under(browser, "Loans", "Holds", "Unpaid fines")
    assert "Orchestra Nights" in loans and loan.copy.barcode in loans
    assert "Back Too Late" not in loans  # returned
    fine = member.fines.get()
    assert str(fine.amount) in fines and str(fine.overdue_days) in fines
    assert someone_else.copy.barcode not in page_text(browser)


def test_a_student_signs_in_and_sees_their_grades(browser: WebDriver, live_server) -> None:
    user = User.objects.create_user("learner", "learner@example.com", PASSWORD)
    student = PersonFactory(kind=Person.Kind.STUDENT, user=user)
    graded = EnrollmentFactory(
        student=student, status=Enrollment.Status.COMPLETED, grade="B+", section__code="G1"
    )
    EnrollmentFactory(status=Enrollment.Status.COMPLETED, grade="F")  # a classmate's

    sign_in(browser, live_server.url, "learner", PASSWORD)
    browser.get(f"{live_server.url}/accounts/")

    (enrolments,) = tables_under(browser, "Enrolments")
    row = next(line for line in enrolments.splitlines() if graded.section.course.code in line)
    assert "G1" in row and row.endswith("B+")
    assert "F" not in enrolments.split()


def tables_under(browser: WebDriver, *headings: str) -> list[str]:
    """The text of the table (or the paragraph saying there is none) after each h2 heading."""
    wait_for(browser, "main h2")
    return [
        browser.find_element(
            By.XPATH, f"//main//h2[normalize-space()='{heading}']/following-sibling::*[1]"
        ).text
        for heading in headings
    ]


def test_the_explorer_answers_a_check_and_names_the_people_of_its_proof(
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
    sign_in(browser, live_server.url, staff_user.username, "pw")

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
    proof = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "main table tbody tr")]
    assert proof  # the proof's edges, each naming its people rather than their ids
    assert any(school.alice.name in row and school.bob.name in row for row in proof), proof


def test_a_librarian_finds_the_desk_on_the_admin_index_and_lends(
    browser: WebDriver, live_server
) -> None:
    librarian = User.objects.create_user("shelver", password=PASSWORD, is_staff=True)
    librarian.groups.add(Group.objects.get(name="Librarians"))
    member = MemberFactory(card_number="C77777")
    copy = CopyFactory(barcode="B7777777-0")

    sign_in(browser, live_server.url, "shelver", PASSWORD, login_path="/admin/login/")
    wait_for_url(browser, "/admin/")
    wait_for(browser, "#daily-work a").click()  # the desk, first on the index
    wait_for_url(browser, "/admin/library/loan/desk/")

    desk_operation(browser, "checkout", card_number=member.card_number, barcodes=copy.barcode)
    assert f"Lent {copy.barcode}" in wait_for(browser, ".messagelist").text
    assert Loan.objects.filter(copy=copy, returned_at__isnull=True, member=member).exists()

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
