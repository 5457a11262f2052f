"""Enrolment in the admin (a registrar must be able to enrol a student there): the add
form calls `enrollment_create`, and its refusals come back as messages in its words, with the
student and section still chosen and nothing written."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from devtools.testing import Trail, admin_url
from school.models import Enrollment
from school.tests.factories import (
    EnrollmentFactory,
    PersonFactory,
    SectionFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


def enrol(client: Client, student_id: int, section_id: int) -> tuple[int, str, list[str]]:
    """Post the add form: the status, where it redirected to, and the messages it left."""
    response = client.post(
        admin_url(Enrollment, "add"), {"student": student_id, "section": section_id}
    )
    said = [str(message) for message in get_messages(response.wsgi_request)]
    return response.status_code, response.get("Location", ""), said


def test_the_add_form_enrols_through_the_service(admin_client: Client):
    student, section = PersonFactory(), SectionFactory()
    trail = Trail()

    status, _, said = enrol(admin_client, student.pk, section.pk)

    enrollment = Enrollment.objects.get(student=student, section=section)
    assert status == 302 and enrollment.status == Enrollment.Status.ENROLLED
    assert trail.audit() == [("create", "enrollment", enrollment.pk)]
    assert any("added successfully" in message for message in said)


def test_the_add_form_shows_the_student_and_section_pickers(admin_client: Client):
    page = admin_client.get(admin_url(Enrollment, "add"))

    assert page.status_code == 200
    assert list(page.context["adminform"].form.fields) == ["student", "section"]


def test_a_full_section_is_refused_in_words_and_the_choice_kept(admin_client: Client):
    section = SectionFactory(capacity=1)
    EnrollmentFactory(section=section)
    student = PersonFactory()
    trail = Trail()

    status, location, said = enrol(admin_client, student.pk, section.pk)

    assert status == 302
    assert location.endswith(f"?student={student.pk}&section={section.pk}")
    assert said == [f"Section {section} is full (1 of 1 seats)."]
    assert not Enrollment.objects.filter(student=student).exists() and trail.audit() == []
    refilled = admin_client.get(location)
    assert refilled.context["adminform"].form.initial == {
        "student": str(student.pk),
        "section": str(section.pk),
    }


def test_an_ended_term_is_refused_in_words(admin_client: Client):
    past = TermFactory(starts_on=datetime.date(2020, 1, 1), ends_on=datetime.date(2020, 6, 30))
    section = SectionFactory(term=past)

    _, _, said = enrol(admin_client, PersonFactory().pk, section.pk)

    assert said == [f"Term {past.code} ended on 2020-06-30."]
    assert not Enrollment.objects.exists()


def test_enrolling_twice_is_refused_in_words(admin_client: Client):
    enrollment = EnrollmentFactory()
    trail = Trail()

    _, _, said = enrol(admin_client, enrollment.student_id, enrollment.section_id)

    assert said == [f"{enrollment.student} is already enrolled in {enrollment.section}."]
    assert trail.audit() == []


def test_someone_who_is_not_a_student_is_refused_in_words(admin_client: Client):
    teacher = PersonFactory(kind="teacher")

    _, _, said = enrol(admin_client, teacher.pk, SectionFactory().pk)

    assert said == [f"{teacher} is not a student."]


def test_a_dropped_enrolment_is_taken_up_again_through_the_form(admin_client: Client):
    """The unique (student, section) pair would refuse the form; the service re-uses the row."""
    dropped = EnrollmentFactory(status=Enrollment.Status.DROPPED)
    trail = Trail()

    status, _, _ = enrol(admin_client, dropped.student_id, dropped.section_id)

    dropped.refresh_from_db()
    assert status == 302 and dropped.status == Enrollment.Status.ENROLLED
    assert trail.audit() == [("update", "enrollment", dropped.pk)]


def test_enrolment_search_finds_students_by_name_and_email(admin_client: Client):
    ada = EnrollmentFactory(student=PersonFactory(given_name="Ada", family_name="Ngata"))
    EnrollmentFactory(student=PersonFactory(given_name="Ben", family_name="Okafor"))
    url = admin_url(Enrollment, "changelist")

    by_name = admin_client.get(url, {"q": "ada ngata"}).context["cl"].result_list
    by_email = admin_client.get(url, {"q": ada.student.email[:8]}).context["cl"].result_list

    assert [row.pk for row in by_name] == [ada.pk]
    assert ada.pk in [row.pk for row in by_email]
