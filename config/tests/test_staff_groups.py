"""Staff work through the groups of their jobs (`common.staff_groups`), and every demo login the
README prints opens a page that shows its role's work (`config/demo_accounts.py`)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client

from common import staff_groups
from library.models import Fine, Hold, Loan

pytestmark = pytest.mark.django_db
PASSWORD = "campus-demo"

# A group's account reaches its own part of the admin and not another's.
GROUP_PAGES = {
    "Librarians": ("/admin/library/book/", "/admin/school/enrollment/"),
    "Registrar": ("/admin/school/enrollment/", "/admin/library/book/"),
    "People office": ("/admin/people/reportingline/", "/admin/common/auditentry/"),
    "Auditors": ("/admin/common/auditentry/", "/admin/people/person/"),
}


def staff_in(*groups: str) -> Client:
    user = User.objects.create_user("clerk", password="pw", is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=groups))
    client = Client()
    client.force_login(user)
    return client


def test_migrate_creates_every_job_group_with_its_permissions():
    for group in staff_groups.GROUPS.values():
        row = Group.objects.get(name=group.name)
        names = {f"{p.content_type.app_label}.{p.codename}" for p in row.permissions.all()}
        assert names == set(group.permissions)
    assert set(GROUP_PAGES) == set(staff_groups.GROUPS)


def test_sync_is_idempotent_and_takes_off_a_permission_given_by_hand():
    librarians = Group.objects.get(name="Librarians")
    librarians.permissions.add(*Group.objects.get(name="Auditors").permissions.all())
    staff_groups.sync()
    staff_groups.sync()
    assert librarians.permissions.count() == len(staff_groups.GROUPS["Librarians"].permissions)
    assert Group.objects.filter(name="Librarians").count() == 1


@pytest.mark.parametrize("group", sorted(GROUP_PAGES))
def test_each_group_sees_its_part_of_the_admin_and_not_another(group):
    own, other = GROUP_PAGES[group]
    client = staff_in(group)
    assert client.get(own).status_code == 200
    assert client.get(other).status_code == 403
    assert "have permission to view or edit anything" not in client.get("/admin/").content.decode()


def test_a_librarian_finds_the_desk_on_the_admin_index():
    html = staff_in("Librarians").get("/admin/").content.decode()
    assert 'href="/admin/library/loan/desk/"' in html


def test_staff_in_no_group_are_told_why_the_admin_is_empty():
    html = staff_in().get("/admin/").content.decode()
    assert "Your account is staff, but in no group yet" in html
    for group in staff_groups.GROUPS.values():
        assert f"<strong>{group.name}</strong>: {group.work}" in html
    assert "Circulation desk" not in html


@pytest.fixture
def seeded(settings) -> None:
    settings.DEMO_PASSWORD = PASSWORD
    call_command("seed_demo", size="small", stdout=StringIO())


def login(username: str) -> Client:
    """Signed in through the members' login form, as a person would, with the demo password."""
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, username
    return client


def test_every_printed_demo_login_opens_a_page_of_its_work(seeded):
    pages = {
        "librarian": ("/admin/", "Circulation desk"),
        "registrar": ("/admin/school/enrollment/", "Select enrollment to change"),
        "peopleoffice": ("/admin/people/reportingline/", "Select reporting line to change"),
        "auditor": ("/admin/common/auditentry/", "Select audit entry to view"),
        "staff": ("/admin/", "Circulation desk"),
        "member": ("/accounts/", "Unpaid fines"),
        "student": ("/accounts/", "Completed"),
        "teacher": ("/accounts/", "Teaching"),
        "unithead": ("/school/", "directory"),
    }
    for username, (url, shows) in pages.items():
        response = login(username).get(url)
        assert response.status_code == 200, username
        assert shows in response.content.decode(), username


def test_the_demo_member_has_loans_a_hold_and_a_fine_and_the_student_grades(seeded):
    member = User.objects.get(username="member")
    assert Loan.objects.filter(member__user=member, returned_at__isnull=True).count() == 2
    assert Hold.objects.filter(member__user=member).exists()
    assert Fine.objects.filter(member__user=member, paid_at__isnull=True).exists()
    html = login("student").get("/accounts/").content.decode()
    assert "<td>A</td>" in html
    loans = Loan.objects.count()
    call_command("seed_demo", size="small", stdout=StringIO())  # a rerun adds nothing
    assert Loan.objects.count() == loans
