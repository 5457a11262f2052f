"""Org-chart writes: reporting lines, units and people, their outbox events and announcements."""

from __future__ import annotations

import pytest

from common.events import org_changed
from common.exceptions import ConflictError, ServiceError
from common.models import OutboxEvent
from people import services
from people.models import ReportingLine
from people.tests.factories import DAY, T0, OrgUnitFactory, PersonFactory


@pytest.fixture
def trio(db: None) -> tuple:
    """boss <- middle <- junior from T0."""
    boss, middle, junior = (PersonFactory() for _ in range(3))
    services.reporting_line_create(actor=None, person=middle, manager=boss, valid_from=T0)
    services.reporting_line_create(actor=None, person=junior, manager=middle, valid_from=T0)
    return boss, middle, junior


def test_reporting_cycle_is_refused(trio: tuple):
    boss, _, junior = trio
    with pytest.raises(ServiceError) as excinfo:
        services.reporting_line_create(actor=None, person=boss, manager=junior, valid_from=T0 + DAY)
    assert (excinfo.value.field, excinfo.value.code) == ("manager", "cycle")


def test_cycle_check_ignores_lines_that_ended_before(trio: tuple):
    boss, middle, junior = trio
    line = ReportingLine.objects.get(person=junior)
    services.reporting_line_end(actor=None, line=line, at=T0 + DAY)
    middle_line = ReportingLine.objects.get(person=middle)
    services.reporting_line_end(actor=None, line=middle_line, at=T0 + DAY)

    services.reporting_line_create(actor=None, person=boss, manager=junior, valid_from=T0 + 2 * DAY)
    assert ReportingLine.objects.filter(person=boss, manager=junior).exists()


def test_self_report_is_refused(trio: tuple):
    boss, _, _ = trio
    with pytest.raises(ServiceError):
        services.reporting_line_create(actor=None, person=boss, manager=boss)


def test_new_manager_closes_the_open_line(trio: tuple):
    boss, middle, junior = trio
    services.reporting_line_create(actor=None, person=junior, manager=boss, valid_from=T0 + DAY)

    old, new = ReportingLine.objects.filter(person=junior).order_by("valid_from")
    assert (old.manager, old.valid_to) == (middle, T0 + DAY)
    assert (new.manager, new.valid_to) == (boss, None)


def test_overlapping_closed_line_conflicts(trio: tuple):
    boss, _, junior = trio
    with pytest.raises(ConflictError):
        services.reporting_line_create(
            actor=None, person=junior, manager=boss, valid_from=T0 - DAY, valid_to=T0 + DAY
        )


def test_line_change_announces_both_sides_after_commit(
    trio: tuple, django_capture_on_commit_callbacks
):
    boss, middle, junior = trio
    received = []
    org_changed.connect(lambda sender, **kw: received.append(kw), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.reporting_line_end(actor=None, line=ReportingLine.objects.get(person=middle))
    finally:
        org_changed.disconnect(dispatch_uid="t")

    assert received[0]["person_ids"] == {boss.pk, middle.pk, junior.pk}
    assert received[0]["facts"] == {"manager_chain", "reports"}


def test_unit_cannot_move_below_itself(db: None):
    top = OrgUnitFactory()
    child = OrgUnitFactory(parent=top)
    with pytest.raises(ServiceError) as excinfo:
        services.org_unit_update(actor=None, unit=top, name=top.name, parent=child)
    assert excinfo.value.code == "cycle"


def test_org_writes_fill_the_outbox(db: None):
    unit = services.org_unit_create(actor=None, code="lab", name="Lab")
    person = services.person_create(
        actor=None, given_name="Ada", family_name="Lovelace", email="ada@campus.test", org_unit=unit
    )
    services.person_update(actor=None, person=person, title="Head")

    kinds = list(OutboxEvent.objects.values_list("kind", flat=True))
    assert kinds == ["unit.upsert", "person.upsert", "person.upsert"]


def test_person_update_refuses_unknown_fields(db: None):
    person = PersonFactory()
    with pytest.raises(ServiceError) as excinfo:
        services.person_update(actor=None, person=person, created_at=T0)
    assert excinfo.value.field == "created_at"
