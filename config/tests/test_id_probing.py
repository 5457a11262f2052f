"""Ids cannot be probed: an object the caller may not see answers exactly as a missing one does
(same status, same error code), at every detail endpoint that names a private row by id or
slug. The policy decides in the selector (the rows a caller may name), never in the view."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from blog.models import Post
from blog.tests.factories import PostFactory
from library.tests.factories import BookFactory, HoldFactory, LoanFactory, MemberFactory
from school.tests.factories import EnrollmentFactory, PersonFactory

pytestmark = pytest.mark.django_db

MISSING = 999_999


def answer(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def same_as_missing(
    client: APIClient, call: Callable[[APIClient, object], object], other: object, missing: object
) -> tuple[tuple[int, str], tuple[int, str]]:
    return answer(call(client, other)), answer(call(client, missing))


def test_dropping_another_students_enrolment_answers_as_a_missing_one(
    member_client: APIClient, member_user: User
):
    PersonFactory(user=member_user)
    other = EnrollmentFactory()

    def drop(client, pk):
        return client.post(f"/api/school/enrollments/{pk}/drop/")

    theirs, missing = same_as_missing(member_client, drop, other.pk, MISSING)

    assert theirs == missing and theirs[0] == 404
    other.refresh_from_db()
    assert other.status == "enrolled"


def test_staff_still_drop_anyone(staff_client: APIClient):
    enrollment = EnrollmentFactory()
    response = staff_client.post(f"/api/school/enrollments/{enrollment.pk}/drop/")
    assert response.status_code == 200 and response.json()["status"] == "dropped"


@pytest.mark.parametrize(
    ("make", "path", "status"),
    [
        (LoanFactory, "/api/library/loans/{}/renew/", 404),
        (LoanFactory, "/api/library/loans/{}/return/", 403),  # circulation staff only, any id
        (HoldFactory, "/api/library/holds/{}/cancel/", 404),
    ],
    ids=["renew", "return", "cancel-hold"],
)
def test_another_members_loan_or_hold_answers_as_a_missing_one(
    member_client: APIClient, member_user: User, make, path: str, status: int
):
    MemberFactory(user=member_user)
    other = make()

    def post(client, pk):
        return client.post(path.format(pk))

    theirs, missing = same_as_missing(member_client, post, other.pk, MISSING)
    assert theirs == missing and theirs[0] == status


def test_placing_a_hold_for_another_member_answers_as_a_missing_member(
    member_client: APIClient, member_user: User
):
    MemberFactory(user=member_user)
    other, book = MemberFactory(), BookFactory()

    def place(client, member):
        return client.post("/api/library/holds/", {"book": book.pk, "member": member})

    theirs, missing = same_as_missing(member_client, place, other.pk, MISSING)
    assert theirs == missing == (400, "member_not_found")
    assert not other.holds.exists()


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_authors_draft_answers_as_a_missing_post(member_client: APIClient, method: str):
    PostFactory(slug="secret-draft", status=Post.Status.DRAFT, published_at=None)

    def call(client, slug):
        return getattr(client, method)(f"/api/blog/posts/{slug}/")

    theirs, missing = same_as_missing(member_client, call, "secret-draft", "no-such-post")
    assert theirs == missing and theirs[0] == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/delegation/delegations/{}/",
        "/api/delegation/assignments/{}/",
        "/api/delegation/permissions/{}/",
    ],
)
def test_staff_only_details_refuse_before_looking_the_id_up(member_client: APIClient, path: str):
    from delegation.tests.scenario import build_school, lend

    school = build_school()
    link = lend(school.alice, school.bob, permission=school.circulate)

    def get(client, pk):
        return client.get(path.format(pk))

    theirs, missing = same_as_missing(member_client, get, link.pk, MISSING)
    assert theirs == missing and theirs[0] == 403


@pytest.mark.parametrize("path", ["/api/library/loans/", "/api/library/holds/"])
def test_another_members_id_in_a_list_filter_answers_as_a_missing_one(
    member_client: APIClient, member_user: User, path: str
):
    MemberFactory(user=member_user)
    other = LoanFactory().member
    HoldFactory(member=other)

    theirs = member_client.get(path, {"member": other.pk})
    missing = member_client.get(path, {"member": MISSING})
    assert (theirs.status_code, missing.status_code) == (200, 200)
    assert theirs.json()["results"] == missing.json()["results"] == []
