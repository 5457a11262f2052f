"""Admin clicks, as a superuser, on the school admins that have audited services (enrolment and
preferences): each change leaves its audit entry; refused paths answer 403 and write nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from common.testing import Trail, admin_bulk_delete, admin_url
from school.models import Enrollment, PersonPreferences
from school.tests.directory_factories import (
    EnrollmentFactory,
    PersonFactory,
    PersonPreferencesFactory,
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
