"""Enrolment rules and the last-seat race, on PostgreSQL."""

from __future__ import annotations

import datetime
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone

from common.exceptions import ConflictError, ServiceError
from devtools.testing import race_past_the_checks
from people.models import Person
from people.tests.factories import UserFactory
from school.models import Enrollment
from school.services import enrollment_create, enrollment_drop, preferences_update
from school.tests.factories import (
    EnrollmentFactory,
    PersonFactory,
    SectionFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


def enroll(student: Person, section) -> Enrollment:
    return enrollment_create(actor=None, student=student, section=section)


def test_enrolls_a_student() -> None:
    student, section = PersonFactory(), SectionFactory()
    enrollment = enroll(student, section)
    assert (enrollment.student, enrollment.section, enrollment.status) == (
        student,
        section,
        Enrollment.Status.ENROLLED,
    )


def test_refuses_a_term_that_has_ended() -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ended = TermFactory(starts_on=yesterday - datetime.timedelta(days=90), ends_on=yesterday)
    with pytest.raises(ServiceError) as refused:
        enroll(PersonFactory(), SectionFactory(term=ended))
    assert (refused.value.code, refused.value.field) == ("term_ended", "section")
    assert not Enrollment.objects.exists()


def test_refuses_to_drop_an_enrolment_in_a_term_that_has_ended() -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ended = TermFactory(starts_on=yesterday - datetime.timedelta(days=90), ends_on=yesterday)
    enrollment = EnrollmentFactory(section=SectionFactory(term=ended))
    with pytest.raises(ServiceError) as refused:
        enrollment_drop(actor=None, enrollment=enrollment)
    assert (refused.value.code, refused.value.field) == ("term_ended", "section")
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ENROLLED


def test_refuses_a_full_section() -> None:
    section = SectionFactory(capacity=1)
    enroll(PersonFactory(), section)
    with pytest.raises(ConflictError) as refused:
        enroll(PersonFactory(), section)
    assert (refused.value.code, refused.value.field) == ("section_full", "section")


def test_dropped_seats_are_free_again() -> None:
    section = SectionFactory(capacity=1)
    first = enroll(PersonFactory(), section)
    enrollment_drop(actor=None, enrollment=first)
    assert enroll(PersonFactory(), section).status == Enrollment.Status.ENROLLED


def test_refuses_a_duplicate_but_allows_re_enrolling_after_a_drop() -> None:
    student, section = PersonFactory(), SectionFactory()
    first = enroll(student, section)
    with pytest.raises(ConflictError) as refused:
        enroll(student, section)
    assert refused.value.code == "already_enrolled"

    enrollment_drop(actor=None, enrollment=first)
    again = enroll(student, section)
    assert again.pk == first.pk and again.status == Enrollment.Status.ENROLLED


def test_refuses_a_schedule_clash_in_the_same_term() -> None:
    student = PersonFactory()
    monday = SectionFactory(starts_at=datetime.time(9), ends_at=datetime.time(11))
    enroll(student, monday)
    overlapping = SectionFactory(
        term=monday.term, starts_at=datetime.time(10), ends_at=datetime.time(12)
    )
    with pytest.raises(ConflictError) as refused:
        enroll(student, overlapping)
    assert refused.value.code == "schedule_clash"
    assert refused.value.extra == {"clashes_with": monday.pk}


def test_refuses_a_second_section_of_the_same_course_and_term() -> None:
    student, first = PersonFactory(), SectionFactory(weekday=1)
    enroll(student, first)
    sibling = SectionFactory(course=first.course, term=first.term, weekday=2)
    with pytest.raises(ConflictError) as refused:
        enroll(student, sibling)
    assert refused.value.code == "already_in_course"
    assert enroll(student, SectionFactory(course=first.course, weekday=2)).pk  # another term


@pytest.mark.parametrize(
    "changes",
    [
        {"starts_at": datetime.time(11), "ends_at": datetime.time(12)},  # back to back
        {"weekday": 2},  # another day
        {"term": None},  # another term (a new one from the factory)
    ],
)
def test_no_clash_when_slots_do_not_overlap(changes: dict) -> None:
    student = PersonFactory()
    first = SectionFactory(starts_at=datetime.time(9), ends_at=datetime.time(11))
    enroll(student, first)
    attributes = {"term": first.term, **changes}
    if attributes["term"] is None:
        del attributes["term"]
    assert enroll(student, SectionFactory(**attributes)).pk


def test_only_active_students_enroll() -> None:
    section = SectionFactory()
    with pytest.raises(ServiceError) as teacher:
        enroll(PersonFactory(kind=Person.Kind.TEACHER), section)
    with pytest.raises(ServiceError) as inactive:
        enroll(PersonFactory(active=False), section)
    assert (teacher.value.code, inactive.value.code) == ("not_a_student", "inactive")


def test_unknown_ids_are_not_found(client) -> None:
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    url = reverse("school-api:enrollments")
    section = client.post(url, {"student": PersonFactory().pk, "section": 0}, "application/json")
    student = client.post(url, {"student": 0, "section": SectionFactory().pk}, "application/json")
    assert (section.status_code, student.status_code) == (404, 404)
    fields = (section.json()["error"]["fields"], student.json()["error"]["fields"])
    assert list(fields[0]) == ["section"] and list(fields[1]) == ["student"]


def test_drop_refuses_what_is_not_enrolled() -> None:
    enrollment = EnrollmentFactory(status=Enrollment.Status.DROPPED)
    with pytest.raises(ConflictError):
        enrollment_drop(actor=None, enrollment=enrollment)


def test_preferences_merge_and_remove_keys() -> None:
    person = PersonFactory()
    preferences_update(actor=None, person=person, changes={"language": "fr", "newsletter": True})
    updated = preferences_update(
        actor=None, person=person, changes={"newsletter": None, "theme": "dark"}
    )
    assert updated.data == {"language": "fr", "theme": "dark"}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_many_students_racing_for_the_last_seat_one_wins() -> None:
    """The section's row lock: without it every racer counts two seats taken, and all enrol
    (every run: the racers are held at their inserts until all have counted)."""
    section = SectionFactory(capacity=3)
    enroll(PersonFactory(), section)
    enroll(PersonFactory(), section)
    racers = [partial(enroll, PersonFactory(), section) for _ in range(8)]

    outcomes = race_past_the_checks(Enrollment, racers)

    assert sorted(outcomes) == ["ok"] + ["section_full"] * 7
    assert Enrollment.objects.filter(section=section).count() == 3
