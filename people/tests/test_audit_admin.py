"""The audit log and the outbox in the admin, seen through people's writes: entries name and link
their object, show before and after field by field, and both lists are searchable."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from common.models import AuditEntry, OutboxEvent
from devtools.testing import assert_constant_admin_changelist
from people import services
from people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
URL = "/admin/common/auditentry/"


@pytest.fixture
def admin_client_(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user)
    return client


def test_an_entry_names_and_links_its_object(admin_client_: Client):
    person = PersonFactory(given_name="Dora", family_name="Quinn")
    services.person_update(actor=None, person=person, title="Head of science")
    html = admin_client_.get(URL).content.decode()
    link = f'<a href="/admin/people/person/{person.pk}/change/">Dora Quinn (#{person.pk})</a>'
    assert link in html


def test_an_entry_shows_before_and_after_field_by_field(admin_client_: Client):
    person = PersonFactory(title="Teacher")
    services.person_update(actor=None, person=person, title="Head of science")
    entry = AuditEntry.objects.get(entity="person", action="update")
    html = admin_client_.get(f"{URL}{entry.pk}/change/").content.decode()
    assert '<tr class="changed"><th scope="row">title</th><td>Teacher</td>' in html
    assert "changed: title" in html
    assert "{&quot;" not in html  # no raw JSON


def test_audit_and_outbox_lists_are_searched(admin_client_: Client):
    person = PersonFactory()
    services.person_update(actor=None, person=person, title="Head")
    found = admin_client_.get(URL, {"q": f"person {person.pk}"}).context["cl"].result_list
    assert {(e.entity, e.entity_id) for e in found} == {("person", person.pk)}
    assert admin_client_.get(URL, {"q": "nobody-such"}).context["cl"].result_list.count() == 0
    event = OutboxEvent.objects.order_by("-id").first()
    assert event is not None
    outbox = admin_client_.get("/admin/common/outboxevent/", {"q": str(event.pk)})
    assert [e.pk for e in outbox.context["cl"].result_list] == [event.pk]


def test_naming_the_objects_costs_no_query_per_row(admin_client_: Client):
    for _ in range(12):
        services.person_update(actor=None, person=PersonFactory(), title="Head")
    assert_constant_admin_changelist(admin_client_, AuditEntry, sizes=(3, 10))


def test_the_entity_filter_offers_the_models_of_the_apps_with_services(admin_client_: Client):
    """Read from the app registry (the apps whose services audit), not from a list of apps."""
    html = admin_client_.get(URL).content.decode()
    for kind in ("person", "delegation", "section", "book", "post"):
        assert f'href="?entity={kind}"' in html
    for kind in ("auditentry", "user", "token"):
        assert f'href="?entity={kind}"' not in html
