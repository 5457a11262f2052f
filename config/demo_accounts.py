"""Demo accounts for every role of the school, last step of `seed_demo` (it needs every app's
demo data): staff in the group of their job, and members whose records show their role's work.
Each logs in with `DEMO_PASSWORD`; `scripts/run.sh` prints them with what to try.

Here, above the apps, because one account gathers several apps' rows (a member's loans, a
student's enrolments). Idempotent: accounts are found by username, and a member's loans, a
student's grades or a role are written (through the services) only when missing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from common import staff_groups
from delegation import services as delegation_services
from delegation.models import Role, RoleAssignment
from delegation.seed import HOLDS_FROM
from library import services as library_services
from library.models import Book, Copy, Member, MemberCategory
from people import services as people_services
from people.models import Person
from school import services as school_services
from school.models import Enrollment, TeachingAssignment

# username: (staff groups, what to try), in the order run.sh prints them.
STAFF = {
    "librarian": (["Librarians"], "/admin/: the circulation desk, catalogue and members"),
    "registrar": (["Registrar"], "/admin/school/: terms, courses, sections and enrolments"),
    "peopleoffice": (["People office"], "/admin/people/: people, units and reporting lines"),
    "auditor": (["Auditors"], "/admin/common/auditentry/: who changed what, read-only"),
}
MEMBER_CARD = "DEMO-MEMBER"
PAST_GRADES = ["A", "B+", "B", "A-"]
BLOG_ROLES = ("editor", "moderator")  # roles that grant nothing in the directory


def _account(username: str, *, staff: bool = False) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"is_staff": staff, "email": f"{username}@demo"}
    )
    if created:
        user.set_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _staff_accounts() -> None:
    """One account per job; `staff` is the whole office (every group, no superuser rights)."""
    for username, (groups, _) in STAFF.items():
        _account(username, staff=True).groups.add(*Group.objects.filter(name__in=groups))
    office = User.objects.filter(username="staff").first()
    if office is not None:
        office.groups.add(*Group.objects.filter(name__in=staff_groups.GROUPS))


def _link(person: Person, username: str) -> User:
    user = _account(username)
    if person.user_id is None:
        people_services.person_update(actor=None, person=person, user=user)
    return user


def _free_copies(count: int) -> list[Copy]:
    """Available copies of `count` different books, each book with a second copy left."""
    copies: list[Copy] = []
    for copy in Copy.objects.filter(status=Copy.Status.AVAILABLE).order_by("id")[: count * 10]:
        if all(copy.book_id != other.book_id for other in copies):
            copies.append(copy)
        if len(copies) == count:
            break
    return copies


def _member(now: datetime) -> None:
    """A reader with a book out, one overdue, a fine for a late return and a hold in a queue."""
    user = _account("member")
    if Member.objects.filter(user=user).exists():
        return
    category = MemberCategory.objects.get(code="staff")
    member = library_services.member_create(
        actor=None, user=user, category=category, card_number=MEMBER_CARD
    )
    late, overdue, current = _free_copies(3)
    # In time order, so that no loan is overdue yet when the next is lent (an overdue loan
    # blocks checkouts): due after 28 days, the late one back 17 days late.
    lend = library_services.loan_checkout
    loan = lend(actor=None, member=member, barcodes=[late.barcode], now=now - timedelta(days=50))
    lend(actor=None, member=member, barcodes=[overdue.barcode], now=now - timedelta(days=40))
    lend(actor=None, member=member, barcodes=[current.barcode], now=now - timedelta(days=25))
    library_services.loan_return(actor=None, loan=loan.loans[0], now=now - timedelta(days=5))
    out = Copy.objects.filter(book=OuterRef("pk"), status=Copy.Status.AVAILABLE)
    busy = Book.objects.filter(~Exists(out), copies__isnull=False).order_by("id").first()
    if busy is not None:
        library_services.hold_place(actor=None, member=member, book=busy)


def _first_unlinked(kind: str, having: Any) -> Person | None:
    """The first person of `kind` without an account who has a row of `having` (a queryset
    filtered on `OuterRef("pk")`)."""
    people = Person.objects.filter(kind=kind, user__isnull=True).filter(Exists(having))
    return people.order_by("id").first()


def _student() -> None:
    """A student with enrolments; those of a term already over are completed and graded."""
    enrolled = Enrollment.objects.filter(student=OuterRef("pk"))
    person = _first_unlinked(Person.Kind.STUDENT, enrolled)
    if person is None or User.objects.filter(username="student").exists():
        return
    _link(person, "student")
    today = timezone.localdate()
    past = Enrollment.objects.filter(
        student=person, section__term__ends_on__lt=today, status=Enrollment.Status.ENROLLED
    ).order_by("id")
    for number, enrollment in enumerate(past):
        school_services.enrollment_update(
            actor=None,
            enrollment=enrollment,
            status=Enrollment.Status.COMPLETED,
            grade=PAST_GRADES[number % len(PAST_GRADES)],
        )


def _teacher() -> None:
    teaches = TeachingAssignment.objects.filter(teacher=OuterRef("pk"))
    person = _first_unlinked(Person.Kind.TEACHER, teaches)
    if person is not None and not User.objects.filter(username="teacher").exists():
        _link(person, "teacher")


def _unit_head() -> None:
    """A staff person whose roles do not reach the directory (an editor or a moderator, or no
    role), made `staff-member` for their unit only: the directory shows them their unit's private
    details and nobody else's."""
    if User.objects.filter(username="unithead").exists():
        return
    roles = RoleAssignment.objects.filter(person=OuterRef("pk")).exclude(role__code__in=BLOG_ROLES)
    person = (
        Person.objects.filter(user__isnull=True, org_unit__isnull=False)
        .exclude(kind=Person.Kind.STUDENT)
        .filter(~Exists(roles))
        .order_by("id")
        .first()
    )
    role = Role.objects.filter(code="staff-member").first()
    if person is None or role is None:
        return
    _link(person, "unithead")
    delegation_services.assignment_create(
        actor=None, person=person, role=role, scope_unit=person.org_unit, valid_from=HOLDS_FROM
    )


@transaction.atomic
def seed(*, size: str, log: Callable[[str], None]) -> None:
    _staff_accounts()
    # Whole days before nine this morning, as the library's seed dates its loans: two runs on
    # the same day write the same rows.
    _member(timezone.now().replace(hour=9, minute=0, second=0, microsecond=0))
    _student()
    _teacher()
    _unit_head()
    names = ["admin", "staff", *STAFF, "member", "student", "teacher", "unithead", "volunteer"]
    found = User.objects.filter(username__in=names).values_list("username", flat=True)
    log(f"accounts: {', '.join(n for n in names if n in set(found))} (password DEMO_PASSWORD)")
