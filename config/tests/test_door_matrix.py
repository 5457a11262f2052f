"""The door matrix: every route of the OpenAPI schema and every HTML page, by each role of the
README's access policy, asserting the status each role gets and, for the lists and details
that show people, which private fields (email, grade, preferences) reach it.

The routes are read from drf-spectacular's schema and the pages from the URLconf at test time:
a new route or page without a row in DOORS fails `test_every_route_and_page_has_a_policy_row`.
Each row is a line of the README's table made executable; a route whose policy changes changes
here and there together. Every role meets a fresh world (a savepoint rolled back per role), so
one role's writes never change what the next one sees.

The staff of each job (librarian, registrar, people office, auditor: `common.staff_groups`) are
staff in one group: they meet every door as `staff` does unless a row says otherwise (the API
and the pages decide by the delegation engine, where staff hold every permission; the groups
decide what the admin shows them, asserted in `config/tests/test_staff_groups.py`).
"""

from __future__ import annotations

import datetime
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from blog.models import Post
from blog.tests.factories import CommentFactory, PostFactory
from delegation import services as delegation_services
from delegation.tests.factories import PermissionFactory, grant
from library.tests.factories import (
    CopyFactory,
    HoldFactory,
    LoanFactory,
    MemberFactory,
)
from people.models import Person
from people.tests.factories import OrgUnitFactory
from school.models import Enrollment
from school.tests.factories import (
    EnrollmentFactory,
    PersonFactory,
    PersonPreferencesFactory,
    SectionFactory,
    TeachingAssignmentFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db
GROUP_ROLES = {
    "librarian": "Librarians",
    "registrar": "Registrar",
    "people_office": "People office",
    "auditor": "Auditors",
}
ROLES = ("anonymous", "member", "student", "teacher", "unit_head", "staff", *GROUP_ROLES)
NON_STAFF = ROLES[1:5]
PRIVATE = frozenset({"email", "grade", "preferences"})
World = dict[str, Any]


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES[:6], status)


def signed_in(status: int, anonymous: int = 401) -> dict[str, int]:
    return {"anonymous": anonymous, **dict.fromkeys(ROLES[1:6], status)}


def only_staff(ok: int, refused: int = 403, anonymous: int = 401) -> dict[str, int]:
    return {"anonymous": anonymous, **dict.fromkeys(NON_STAFF, refused), "staff": ok}


@dataclass(frozen=True, eq=False)  # a door is itself (hashed by identity), not its fields
class Door:
    """One operation (`method` on a schema path or URL pattern) and what each role gets."""

    method: str
    route: str  # as the schema or URLconf spells it: /api/school/people/{id}/, people/units/<...>/
    expected: dict[str, int]
    url: Callable[[World], str]
    body: Callable[[World], dict[str, Any]] | None = None
    # For lists and details that show the classmate: the part of the answer about them, and
    # which private fields each role sees there (absent roles: none).
    about_classmate: Callable[[Any, World], Any] | None = None
    sees: dict[str, frozenset[str]] = field(default_factory=dict)


def fixed(url: str) -> Callable[[World], str]:
    return lambda world: url


def filled(url: str) -> Callable[[World], str]:
    return lambda world: url.format(**world["ids"])


def classmate_row(body: Any, world: World) -> Any:
    return next(row for row in body["results"] if row["id"] == world["ids"]["classmate"])


def whole(body: Any, world: World) -> Any:
    return body


DIRECTORY_SEES = {
    "teacher": frozenset({"grade"}),  # their section's grade, no directory scope
    "unit_head": frozenset({"email"}),  # the unit's directory, no grades
    "staff": frozenset({"email", "grade"}),  # preferences are never shown, even to staff
}
EXPAND = "expand=courses,roles"

DOORS: list[Door] = [
    # --- shared -------------------------------------------------------------------------------
    Door("get", "/api/", everyone(200), fixed("/api/")),
    Door("get", "/api/health/", everyone(200), fixed("/api/health/")),
    Door("get", "/api/ops/cache/", only_staff(200), fixed("/api/ops/cache/")),
    Door(
        "post",
        "/api/auth/token/",
        everyone(400),  # a wrong password, for everyone alike
        fixed("/api/auth/token/"),
        body=lambda w: {"username": "nobody", "password": "wrong"},
    ),
    # Revokes the caller's own token (none yet is no error); nobody else's.
    Door("delete", "/api/auth/token/", signed_in(204), fixed("/api/auth/token/")),
    # --- people ----------------------------------------------------------------------------
    Door("get", "/api/people/units/", signed_in(200), fixed("/api/people/units/")),
    Door(
        "get",
        "/api/people/units/{code}/people/",
        signed_in(200),
        fixed("/api/people/units/science/people/"),
        about_classmate=classmate_row,  # names and titles only, for everyone
    ),
    # --- school ----------------------------------------------------------------------------
    Door(
        "get",
        "/api/school/people/",
        signed_in(200),
        fixed(f"/api/school/people/?{EXPAND}&page_size=100"),
        about_classmate=classmate_row,
        sees=DIRECTORY_SEES,
    ),
    Door(
        "get",
        "/api/school/people/{id}/",
        signed_in(200),
        filled(f"/api/school/people/{{classmate}}/?{EXPAND}"),
        about_classmate=whole,
        sees=DIRECTORY_SEES,
    ),
    Door(
        "get",
        "/api/school/people/{id}/reports/",
        {"anonymous": 401, **dict.fromkeys(NON_STAFF, 403), "unit_head": 200, "staff": 200},
        filled("/api/school/people/{classmate}/reports/"),  # private like the `reports` part
    ),
    Door("get", "/api/school/courses/", everyone(200), fixed("/api/school/courses/")),
    Door(
        "post",
        "/api/school/enrollments/",
        {"anonymous": 401, **dict.fromkeys(NON_STAFF, 403), "student": 201, "staff": 201},
        fixed("/api/school/enrollments/"),
        body=lambda w: {"section": w["ids"]["open_section"], "student": w["ids"]["student"]},
    ),
    Door(
        "post",
        "/api/school/enrollments/{id}/drop/",
        only_staff(200, refused=404),  # another's enrolment answers as a missing one
        filled("/api/school/enrollments/{open_enrollment}/drop/"),
    ),
    # --- delegation: questions -----------------------------------------------------------------
    *(
        Door("get", f"/api/delegation/{route}/", only_staff(200), filled(url))
        for route, url in [
            ("check", "/api/delegation/check/?person={classmate}&permission=blog.publish"),
            ("what-can", "/api/delegation/what-can/?person={classmate}"),
            ("who-can", "/api/delegation/who-can/?permission=blog.publish"),
            ("paths", "/api/delegation/paths/?source={classmate}&target={teacher}"),
            ("org/manager-chain", "/api/delegation/org/manager-chain/?person={classmate}"),
            ("org/reports", "/api/delegation/org/reports/?person={classmate}"),
            ("org/common-manager", "/api/delegation/org/common-manager/?a={classmate}&b={teacher}"),
        ]
    ),
    Door("get", "/api/delegation/org/units/", signed_in(200), fixed("/api/delegation/org/units/")),
    # --- delegation: records (staff) -----------------------------------------------------------
    Door("get", "/api/delegation/audit/", only_staff(200), fixed("/api/delegation/audit/")),
    Door(
        "get",
        "/api/delegation/permissions/",
        only_staff(200),
        fixed("/api/delegation/permissions/"),
    ),
    Door(
        "post",
        "/api/delegation/permissions/",
        only_staff(201),
        fixed("/api/delegation/permissions/"),
        body=lambda w: {"codename": "door.new", "description": ""},
    ),
    Door(
        "get",
        "/api/delegation/permissions/{id}/",
        only_staff(200),
        filled("/api/delegation/permissions/{permission}/"),
    ),
    Door("get", "/api/delegation/roles/", only_staff(200), fixed("/api/delegation/roles/")),
    Door(
        "post",
        "/api/delegation/roles/",
        only_staff(201),
        fixed("/api/delegation/roles/"),
        body=lambda w: {"code": "door-new", "name": "New"},
    ),
    Door(
        "get",
        "/api/delegation/roles/{code}/",
        only_staff(200),
        fixed("/api/delegation/roles/clerk/"),
    ),
    Door(
        "put",
        "/api/delegation/roles/{code}/",
        only_staff(200),
        fixed("/api/delegation/roles/clerk/"),
        body=lambda w: {"name": "Clerk", "description": "", "permissions": [], "inherits": []},
    ),
    Door(
        "delete",
        "/api/delegation/roles/{code}/",
        only_staff(204),
        fixed("/api/delegation/roles/doomed/"),
    ),
    Door(
        "get",
        "/api/delegation/assignments/",
        only_staff(200),
        fixed("/api/delegation/assignments/"),
    ),
    Door(
        "post",
        "/api/delegation/assignments/",
        only_staff(201),
        fixed("/api/delegation/assignments/"),
        body=lambda w: {"person": w["ids"]["teacher"], "role": "clerk"},
    ),
    Door(
        "get",
        "/api/delegation/assignments/{id}/",
        only_staff(200),
        filled("/api/delegation/assignments/{assignment}/"),
    ),
    Door(
        "put",
        "/api/delegation/assignments/{id}/",
        only_staff(200),
        filled("/api/delegation/assignments/{assignment}/"),
        body=lambda w: {"scope_unit": None, "valid_to": None},
    ),
    Door(
        "delete",
        "/api/delegation/assignments/{id}/",
        only_staff(204),
        filled("/api/delegation/assignments/{doomed_assignment}/"),
    ),
    Door(
        "get",
        "/api/delegation/delegations/",
        only_staff(200),
        fixed("/api/delegation/delegations/"),
    ),
    Door(
        "post",
        "/api/delegation/delegations/",
        only_staff(201),
        fixed("/api/delegation/delegations/"),
        body=lambda w: {
            "delegator": w["ids"]["unit_head"],
            "delegatee": w["ids"]["teacher"],
            "permission": "school.view_directory",
        },
    ),
    Door(
        "get",
        "/api/delegation/delegations/{id}/",
        only_staff(200),
        filled("/api/delegation/delegations/{delegation}/"),
    ),
    Door(
        "put",
        "/api/delegation/delegations/{id}/",
        only_staff(200),
        filled("/api/delegation/delegations/{delegation}/"),
        body=lambda w: {"expires_at": None, "weight": 1, "max_redelegations": 0, "reason": "r"},
    ),
    Door(
        "post",
        "/api/delegation/delegations/{id}/revoke/",
        only_staff(200),
        filled("/api/delegation/delegations/{delegation}/revoke/"),
        body=lambda w: {},
    ),
    # --- library ---------------------------------------------------------------------------------
    *(
        Door("get", f"/api/library/{route}/", everyone(200), fixed(f"/api/library/{route}/"))
        for route in ("books", "authors", "categories", "copies", "lab")
    ),
    Door("get", "/api/library/books/{id}/", everyone(200), filled("/api/library/books/{book}/")),
    Door("get", "/api/library/copies/{id}/", everyone(200), filled("/api/library/copies/{copy}/")),
    Door(
        "post",
        "/api/library/books/",
        only_staff(201),
        fixed("/api/library/books/"),
        body=lambda w: {"title": "New", "isbn": "9780000000002", "category": w["ids"]["category"]},
    ),
    Door(
        "patch",
        "/api/library/books/{id}/",
        only_staff(200),
        filled("/api/library/books/{book}/"),
        body=lambda w: {"subtitle": "Revised"},
    ),
    Door(
        "post",
        "/api/library/authors/",
        only_staff(201),
        fixed("/api/library/authors/"),
        body=lambda w: {"name": "New Author"},
    ),
    Door(
        "post",
        "/api/library/categories/",
        only_staff(201),
        fixed("/api/library/categories/"),
        body=lambda w: {"name": "New", "slug": "door-new"},
    ),
    Door(
        "post",
        "/api/library/copies/",
        only_staff(201),
        fixed("/api/library/copies/"),
        body=lambda w: {"book": w["ids"]["book"], "barcode": "DOOR-NEW"},
    ),
    Door(
        "patch",
        "/api/library/copies/{id}/",
        only_staff(200),
        filled("/api/library/copies/{copy}/"),
        body=lambda w: {"shelf_location": "A1"},
    ),
    Door(
        "post",
        "/api/library/checkouts/",
        only_staff(201),
        fixed("/api/library/checkouts/"),
        body=lambda w: {"member": w["ids"]["member"], "copies": [w["barcode"]]},
    ),
    *(
        Door("get", f"/api/library/{route}/", signed_in(200), fixed(f"/api/library/{route}/"))
        for route in ("loans", "holds", "fines")
    ),
    Door("get", "/api/library/events/", only_staff(200), fixed("/api/library/events/")),
    Door("get", "/api/library/members/", signed_in(200), fixed("/api/library/members/")),
    Door(  # the loan rules, public like the catalogue
        "get",
        "/api/library/member-categories/",
        everyone(200),
        fixed("/api/library/member-categories/"),
    ),
    Door(
        "post",
        "/api/library/holds/",
        {
            "anonymous": 401,
            **dict.fromkeys(NON_STAFF, 400),
            "staff": 201,
        },  # another member: missing
        fixed("/api/library/holds/"),
        body=lambda w: {"book": w["ids"]["lent_book"], "member": w["ids"]["member"]},
    ),
    Door(
        "post",
        "/api/library/holds/{id}/cancel/",
        only_staff(200, refused=404),
        filled("/api/library/holds/{hold}/cancel/"),
    ),
    Door(
        "post",
        "/api/library/loans/{id}/renew/",
        only_staff(200, refused=404),
        filled("/api/library/loans/{loan}/renew/"),
    ),
    Door(
        "post",
        "/api/library/loans/{id}/return/",
        only_staff(200),
        filled("/api/library/loans/{loan}/return/"),
    ),
    # --- blog --------------------------------------------------------------------------------
    *(
        Door("get", f"/api/blog/{route}/", everyone(200), fixed(f"/api/blog/{route}/"))
        for route in ("posts", "tags", "authors", "schema")
    ),
    Door(
        "post",
        "/api/blog/posts/",
        signed_in(201),
        fixed("/api/blog/posts/"),
        body=lambda w: {"title": "d", "body": "b", "status": "draft"},
    ),
    Door("get", "/api/blog/posts/{slug}/", everyone(200), fixed("/api/blog/posts/public/")),
    Door(
        "patch",
        "/api/blog/posts/{slug}/",
        only_staff(200),
        fixed("/api/blog/posts/public/"),
        body=lambda w: {"title": "Edited"},
    ),
    Door("delete", "/api/blog/posts/{slug}/", only_staff(204), fixed("/api/blog/posts/doomed/")),
    Door(
        "get",
        "/api/blog/posts/{slug}/comments/",
        everyone(200),
        fixed("/api/blog/posts/public/comments/"),
    ),
    Door(
        "post",
        "/api/blog/posts/{slug}/comments/",
        signed_in(201),
        fixed("/api/blog/posts/public/comments/"),
        body=lambda w: {"body": "Nice."},
    ),
    # --- HTML pages --------------------------------------------------------------------------
    Door("get", "", everyone(200), fixed("/")),
    Door("get", "favicon.ico", everyone(302), fixed("/favicon.ico")),
    Door("get", "accounts/login/", everyone(200), fixed("/accounts/login/")),
    Door("get", "accounts/password/", signed_in(200, anonymous=302), fixed("/accounts/password/")),
    Door(
        "get",
        "accounts/password/done/",
        signed_in(200, anonymous=302),
        fixed("/accounts/password/done/"),
    ),
    Door("get", "accounts/", signed_in(200, anonymous=302), fixed("/accounts/")),
    # /metrics: staff, or a client on METRICS_ALLOWED_NETWORKS (the test client is 127.0.0.1).
    Door("get", "metrics", everyone(200), fixed("/metrics")),
    Door("get", "people/", signed_in(200, anonymous=302), fixed("/people/")),
    Door(
        "get",
        "people/units/<slug:code>/",
        signed_in(200, anonymous=302),
        fixed("/people/units/science/"),
    ),
    Door("get", "school/", signed_in(200, anonymous=302), fixed("/school/")),
    Door("get", "library/", everyone(200), fixed("/library/")),
    Door("get", "library/lab/", everyone(200), fixed("/library/lab/?limit=5")),
    Door("get", "blog/", everyone(200), fixed("/blog/")),
    Door("get", "blog/posts/<slug:slug>/", everyone(200), fixed("/blog/posts/public/")),
    Door("get", "blog/schema/", everyone(200), fixed("/blog/schema/")),
    Door(
        "get",
        "delegation/",
        signed_in(200, anonymous=302),
        fixed("/delegation/?question=units"),
    ),
    # The explorer's name boxes: the people the caller may ask about (JSON, names only).
    Door(
        "get",
        "delegation/people/",
        signed_in(200, anonymous=302),
        fixed("/delegation/people/?q=Given"),
    ),
    # The explorer asks the same policy as the API: questions about others need delegation.view.
    Door(
        "get",
        "delegation/",
        {"anonymous": 302, **dict.fromkeys(NON_STAFF, 403), "staff": 200},
        fixed("/delegation/?question=who_can&permission=school.view_directory"),
    ),
    Door("post", "accounts/logout/", everyone(302), fixed("/accounts/logout/")),  # the last door
]
SKIPPED_PAGES = {
    "admin/": "the admin: staff only, covered by each app's admin-clicks suite",
    "__debug__/": "django-debug-toolbar, local settings only",
}


# --- the routes and pages there are --------------------------------------------------------------
def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


def _patterns(patterns: list, prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def html_pages() -> set[str]:
    return {
        route
        for route in _patterns(get_resolver().url_patterns)
        if not route.startswith(("api/", *SKIPPED_PAGES))
    }


def test_every_route_and_page_has_a_policy_row():
    covered = {(door.method, door.route) for door in DOORS}
    assert schema_operations() - covered == set()
    assert html_pages() - {door.route for door in DOORS} == set()
    api_rows = {(method, route) for method, route in covered if route.startswith("/api/")}
    assert api_rows - schema_operations() == set()  # no row for a route that is gone


# --- the world every role meets ------------------------------------------------------------------
def build_world() -> World:
    unit = OrgUnitFactory(code="science")
    open_term = TermFactory(starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2099, 1, 1))
    graded, open_section = SectionFactory(), SectionFactory(term=open_term)
    classmate = PersonFactory(org_unit=unit)
    EnrollmentFactory(
        student=classmate, section=graded, status=Enrollment.Status.COMPLETED, grade="C"
    )
    open_enrollment = EnrollmentFactory(student=classmate, section=SectionFactory(term=open_term))
    PersonPreferencesFactory(person=classmate, data={"secret_note": "private"})
    teacher = PersonFactory(kind=Person.Kind.TEACHER, org_unit=unit)
    head = PersonFactory(kind=Person.Kind.STAFF, org_unit=unit)
    student = PersonFactory(org_unit=unit)
    TeachingAssignmentFactory(teacher=teacher, section=graded)
    grant(head, "school.view_directory", unit=unit)
    PermissionFactory(codename="blog.publish")

    clerk = delegation_services.role_create(actor=None, code="clerk", name="Clerk")
    delegation_services.role_create(actor=None, code="doomed", name="Doomed")
    assignment = delegation_services.assignment_create(actor=None, person=classmate, role=clerk)
    doomed = delegation_services.assignment_create(actor=None, person=student, role=clerk)
    view = PermissionFactory(codename="school.view_directory")
    delegation = delegation_services.delegation_create(
        actor=None, delegator=head, delegatee=classmate, permission=view
    )

    copy = CopyFactory()
    loan, hold, member = LoanFactory(), HoldFactory(), MemberFactory()
    PostFactory(slug="public")
    PostFactory(slug="doomed")
    CommentFactory(post=Post.objects.get(slug="public"))
    people = {"student": student, "teacher": teacher, "unit_head": head}
    ids = {
        "classmate": classmate.pk,
        "teacher": teacher.pk,
        "unit_head": head.pk,
        "student": student.pk,
        "open_section": open_section.pk,
        "open_enrollment": open_enrollment.pk,
        "permission": view.pk,
        "assignment": assignment.pk,
        "doomed_assignment": doomed.pk,
        "delegation": delegation.pk,
        "book": copy.book_id,
        "copy": copy.pk,
        "category": copy.book.category_id,
        "loan": loan.pk,
        "lent_book": LoanFactory().copy.book_id,  # its own loan: a hold must not block renewing
        "hold": hold.pk,
        "member": member.pk,
    }
    return {"ids": ids, "people": people, "barcode": copy.barcode}


def client_for(role: str, world: World) -> Client:
    client = APIClient()
    if role == "anonymous":
        return client
    user = User.objects.create_user(
        f"door-{role}", f"{role}@example.com", "pw", is_staff=role == "staff" or role in GROUP_ROLES
    )
    if role in GROUP_ROLES:
        user.groups.add(Group.objects.get(name=GROUP_ROLES[role]))
    person = world["people"].get(role)
    if person is not None:
        person.user = user
        person.save(update_fields=["user"])
    client.force_login(user)
    return client


def private_fields(fragment: Any) -> set[str]:
    """The private field names anywhere in `fragment` (a row, with its nested parts)."""
    if isinstance(fragment, dict):
        found = set(PRIVATE & set(fragment))
        for value in fragment.values():
            found |= private_fields(value)
        return found
    if isinstance(fragment, list):
        return set().union(*(private_fields(item) for item in fragment)) if fragment else set()
    return set()


@dataclass
class Cell:
    status: int
    expected: int
    seen: frozenset[str] = frozenset()
    allowed_fields: frozenset[str] = frozenset()


def knock(client: Client, door: Door, world: World) -> Cell:
    url = door.url(world)
    send = getattr(client, door.method)
    response = send(url, door.body(world), format="json") if door.body else send(url)
    cell = Cell(response.status_code, -1)
    if door.about_classmate and response.status_code == 200:
        cell.seen = frozenset(private_fields(door.about_classmate(response.json(), world)))
    return cell


def walk_the_doors(role: str) -> dict[Door, Cell]:
    """Every door as `role`, in a world of its own (rolled back afterwards)."""
    cells = {}
    with transaction.atomic():
        world = build_world()
        client = client_for(role, world)
        for door in DOORS:
            cell = knock(client, door, world)
            as_ = "staff" if role in GROUP_ROLES and role not in door.expected else role
            cell.expected = door.expected[as_]
            cell.allowed_fields = door.sees.get(as_, frozenset())
            cells[door] = cell
        transaction.set_rollback(True)
    return cells


def summary(matrix: dict[str, dict[Door, Cell]]) -> str:
    lines = [
        f"door matrix: {len(DOORS)} doors ({len(schema_operations())} API operations, "
        f"{len(html_pages())} pages) x {len(ROLES)} roles",
        f"{'role':<13} {'2xx':>5} {'3xx':>5} {'401':>5} {'403':>5} {'404':>5} {'other 4xx':>9}"
        f" {'fields hidden':>14}",
    ]
    for role, cells in matrix.items():
        kinds = Counter(
            "2xx"
            if c.status < 300
            else "3xx"
            if c.status < 400
            else str(c.status)
            if c.status in (401, 403, 404)
            else "other"
            for c in cells.values()
        )
        hidden = sum(
            len(PRIVATE - c.seen)
            for door, c in cells.items()
            if door.about_classmate and c.status == 200
        )
        lines.append(
            f"{role:<13} {kinds['2xx']:>5} {kinds['3xx']:>5} {kinds['401']:>5} {kinds['403']:>5}"
            f" {kinds['404']:>5} {kinds['other']:>9} {hidden:>14}"
        )
    return "\n".join(lines)


def test_every_door_answers_each_role_as_the_policy_says(capsys) -> None:
    matrix = {role: walk_the_doors(role) for role in ROLES}
    with capsys.disabled():  # the summary the closing note carries, on every run
        sys.stdout.write(f"\n{summary(matrix)}\n")

    wrong_status = {
        (role, door.method, door.route): (cell.status, cell.expected)
        for role, cells in matrix.items()
        for door, cell in cells.items()
        if cell.status != cell.expected
    }
    wrong_fields = {
        (role, door.route): (sorted(cell.seen), sorted(cell.allowed_fields))
        for role, cells in matrix.items()
        for door, cell in cells.items()
        if door.about_classmate and cell.seen != cell.allowed_fields
    }
    assert wrong_status == {}
    assert wrong_fields == {}


def test_the_schema_marks_what_anyone_may_call_public_and_locks_the_rest():
    """Swagger UI draws a lock on an operation with a security requirement: none on the doors an
    anonymous caller passes (`security: []`), the schemes without an optional `{}` elsewhere."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for door in DOORS:
        if not door.route.startswith("/api/"):
            continue
        security = schema["paths"][door.route][door.method].get("security")
        if door.expected["anonymous"] in {401, 403}:
            assert security and {} not in security, (door.method, door.route)
        else:
            assert security == [], (door.method, door.route)
