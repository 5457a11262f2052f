"""Admin clicks, as a superuser, on every school admin: each add, change, delete and "Delete
selected" goes through an audited service and leaves its audit entry; refused paths (a row
still referred to, a capacity below the seats taken, deleting enrolments or preferences) say
why and write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from common.exceptions import ForbiddenError
from devtools.testing import Trail, admin_bulk_delete, admin_url
from people.models import Person
from school import services
from school.models import Course, Enrollment, PersonPreferences, Section, TeachingAssignment, Term
from school.tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    PersonFactory,
    PersonPreferencesFactory,
    SectionFactory,
    TeachingAssignmentFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


def test_grading_and_dropping_an_enrolment_is_audited(admin_client: Client):
    enrollment = EnrollmentFactory()
    url = admin_url(Enrollment, "change", enrollment.pk)
    trail = Trail()

    graded = admin_client.post(url, {"status": "completed", "grade": "A"})
    dropped = admin_client.post(url, {"status": "dropped", "grade": ""})

    assert (graded.status_code, dropped.status_code) == (302, 302)
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.grade) == ("dropped", "")
    assert trail.audit() == [("update", "enrollment", enrollment.pk)] * 2


def test_re_enrolling_in_the_admin_is_refused_and_writes_nothing(admin_client: Client):
    enrollment = EnrollmentFactory(status=Enrollment.Status.DROPPED)
    trail = Trail()

    refused = admin_client.post(
        admin_url(Enrollment, "change", enrollment.pk), {"status": "enrolled", "grade": ""}
    )

    assert refused.status_code == 200
    assert "Re-enrol with Add enrollment" in refused.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == "dropped" and trail.audit() == []


def test_enrolments_are_not_deleted_in_the_admin(admin_client: Client):
    enrollment = EnrollmentFactory()
    trail = Trail()

    page = admin_client.post(admin_url(Enrollment, "delete", enrollment.pk), {"post": "yes"})
    admin_bulk_delete(admin_client, Enrollment, enrollment)

    assert page.status_code == 403
    assert Enrollment.objects.filter(pk=enrollment.pk).exists() and trail.audit() == []


def test_preferences_are_added_and_replaced_whole_audited(admin_client: Client):
    person = PersonFactory()
    trail = Trail()

    added = admin_client.post(
        admin_url(PersonPreferences, "add"),
        {"person": person.pk, "data": '{"language": "fr", "newsletter": true}'},
    )
    changed = admin_client.post(
        admin_url(PersonPreferences, "change", person.pk), {"data": '{"language": "de"}'}
    )

    assert (added.status_code, changed.status_code) == (302, 302)
    assert PersonPreferences.objects.get(pk=person.pk).data == {"language": "de"}
    assert trail.audit() == [
        ("create", "personpreferences", person.pk),
        ("update", "personpreferences", person.pk),
    ]


def test_preferences_are_not_deleted_in_the_admin(admin_client: Client):
    preferences = PersonPreferencesFactory()
    trail = Trail()

    page = admin_client.post(
        admin_url(PersonPreferences, "delete", preferences.pk), {"post": "yes"}
    )
    admin_bulk_delete(admin_client, PersonPreferences, preferences)

    assert page.status_code == 403
    assert PersonPreferences.objects.filter(pk=preferences.pk).exists()
    assert trail.audit() == []


# --- the timetable: terms, courses, sections, teaching ------------------------------------------
TERM = {"name": "Spring", "code": "spring", "starts_on": "2027-02-01", "ends_on": "2027-06-30"}


def test_a_term_is_added_changed_and_deleted_audited(admin_client: Client):
    trail = Trail()

    added = admin_client.post(admin_url(Term, "add"), TERM)
    term = Term.objects.get(code="spring")
    changed = admin_client.post(admin_url(Term, "change", term.pk), {**TERM, "name": "Spring 27"})
    deleted = admin_client.post(admin_url(Term, "delete", term.pk), {"post": "yes"})

    assert (added.status_code, changed.status_code, deleted.status_code) == (302, 302, 302)
    assert not Term.objects.filter(pk=term.pk).exists()
    assert trail.audit() == [
        ("create", "term", term.pk),
        ("update", "term", term.pk),
        ("delete", "term", term.pk),
    ]


def test_a_course_is_added_changed_and_bulk_deleted_audited(admin_client: Client):
    trail = Trail()
    body = {"code": "sql101", "title": "SQL", "credits": 5}

    admin_client.post(admin_url(Course, "add"), body)
    course = Course.objects.get(code="sql101")
    admin_client.post(admin_url(Course, "change", course.pk), {**body, "credits": 6})
    other = CourseFactory()
    admin_bulk_delete(admin_client, Course, course, other)

    assert not Course.objects.filter(pk__in=[course.pk, other.pk]).exists()
    assert trail.audit()[:2] == [("create", "course", course.pk), ("update", "course", course.pk)]
    assert sorted(trail.audit()[2:]) == sorted(
        [("delete", "course", course.pk), ("delete", "course", other.pk)]
    )


@pytest.mark.parametrize(
    ("model", "referenced"),
    [
        (Term, lambda: SectionFactory().term),
        (Course, lambda: SectionFactory().course),
        (Section, lambda: TeachingAssignmentFactory().section),
        (Section, lambda: EnrollmentFactory().section),
    ],
    ids=["term-with-sections", "course-with-sections", "section-taught", "section-with-students"],
)
def test_a_row_still_referred_to_is_not_deleted_and_the_page_says_why(
    admin_client: Client, model, referenced
):
    row = referenced()
    trail = Trail()

    page = admin_client.get(admin_url(model, "delete", row.pk))
    confirmed = admin_client.post(admin_url(model, "delete", row.pk), {"post": "yes"})
    admin_bulk_delete(admin_client, model, row)

    assert "cannot be deleted while other rows refer to it" in page.content.decode()
    assert confirmed.status_code == 200  # the same page again: nothing was deleted
    assert model.objects.filter(pk=row.pk).exists() and trail.audit() == []


def _section_form(section: Section | None = None, **changes: Any) -> dict[str, Any]:
    course, term = (section.course, section.term) if section else (CourseFactory(), TermFactory())
    return {
        "course": course.pk,
        "term": term.pk,
        "code": "A",
        "capacity": 20,
        "weekday": 1,
        "starts_at": "09:00",
        "ends_at": "10:30",
        "room": "",
        "teaching-TOTAL_FORMS": 0,
        "teaching-INITIAL_FORMS": 0,
        **changes,
    }


def test_a_section_and_its_teaching_inline_are_written_by_the_services(admin_client: Client):
    teacher = PersonFactory(kind=Person.Kind.TEACHER)
    trail = Trail()

    added = admin_client.post(
        admin_url(Section, "add"),
        _section_form(
            None,
            **{
                "teaching-TOTAL_FORMS": 1,
                "teaching-0-teacher": teacher.pk,
                "teaching-0-role": "lead",
            },
        ),
    )
    section = Section.objects.get()
    assignment = TeachingAssignment.objects.get(section=section)
    removed = admin_client.post(
        admin_url(Section, "change", section.pk),
        _section_form(
            section,
            **{
                "teaching-TOTAL_FORMS": 1,
                "teaching-INITIAL_FORMS": 1,
                "teaching-0-id": assignment.pk,
                "teaching-0-section": section.pk,
                "teaching-0-teacher": teacher.pk,
                "teaching-0-role": "lead",
                "teaching-0-DELETE": "on",
            },
        ),
    )

    assert (added.status_code, removed.status_code) == (302, 302)
    assert not TeachingAssignment.objects.exists()
    assert trail.audit() == [
        ("create", "section", section.pk),
        ("create", "teachingassignment", assignment.pk),
        ("update", "section", section.pk),
        ("delete", "teachingassignment", assignment.pk),
    ]


def test_a_section_capacity_below_its_seats_taken_is_refused_beside_the_field(
    admin_client: Client,
):
    section = SectionFactory(code="A", capacity=2)
    EnrollmentFactory.create_batch(2, section=section)
    trail = Trail()

    refused = admin_client.post(
        admin_url(Section, "change", section.pk), _section_form(section, capacity=1)
    )

    assert refused.status_code == 200
    assert "its capacity cannot go below that" in refused.content.decode()
    section.refresh_from_db()
    assert section.capacity == 2 and trail.audit() == []


def test_a_teaching_assignment_is_added_changed_and_deleted_audited(admin_client: Client):
    teacher, section = PersonFactory(kind=Person.Kind.TEACHER), SectionFactory()
    body = {"teacher": teacher.pk, "section": section.pk, "role": "lead"}
    trail = Trail()

    admin_client.post(admin_url(TeachingAssignment, "add"), body)
    assignment = TeachingAssignment.objects.get()
    admin_client.post(
        admin_url(TeachingAssignment, "change", assignment.pk), {**body, "role": "assistant"}
    )
    admin_client.post(admin_url(TeachingAssignment, "delete", assignment.pk), {"post": "yes"})

    assert not TeachingAssignment.objects.exists()
    assert [entry[0] for entry in trail.audit()] == ["create", "update", "delete"]
    assert trail.audit()[1] == ("update", "teachingassignment", assignment.pk)


def test_only_staff_plan_the_timetable():
    member = User.objects.create_user("member-planner")
    with pytest.raises(ForbiddenError):
        services.term_create(actor=member, **TERM)
    with pytest.raises(ForbiddenError):
        services.section_delete(actor=member, section=SectionFactory())
    assert not Term.objects.filter(code="spring").exists()
