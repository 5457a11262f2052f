"""A write answers what it did even when the database goes away the moment it commits: what the
answer shows is read inside the write's transaction, so nothing is left to read after COMMIT
and a committed write is never answered 503. The fault is real: the fault proxy refuses
PostgreSQL from the write's own `on_commit`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from django.contrib.auth.models import User
from django.db import connections, transaction
from django.db.models import Model
from django.db.models.signals import post_save
from django.utils import timezone
from rest_framework.test import APIClient

from common import breaker
from common.db.postgresql.base import DatabaseWrapper
from common.tests.test_faults import database_proxy  # noqa: F401  (the fixture)
from delegation.models import Delegation
from delegation.tests.scenario import build_school, lend
from devtools.faults import FaultProxy

API = "/api/delegation/delegations"


@pytest.fixture
def refuse_after_commit(database_proxy: FaultProxy) -> Iterator[Callable[[type[Model]], None]]:  # noqa: F811
    """Arm: once a save of `model` commits, the proxy refuses PostgreSQL (every connection
    closed, none accepted) until the test restores it."""
    armed: list[type[Model]] = []

    def refuse(sender: type[Model], **_kwargs: Any) -> None:
        transaction.on_commit(database_proxy.refuse)

    def arm(model: type[Model]) -> None:
        post_save.connect(refuse, sender=model, weak=False)
        armed.append(model)

    yield arm
    for model in armed:
        post_save.disconnect(refuse, sender=model)
    database_proxy.restore()
    breaker.reset_all()


def staff_client() -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.create_user("staff", is_staff=True))
    return client


def answer_then_restore(proxy: FaultProxy, call: Callable[[], Any]) -> Any:
    try:
        return call()
    finally:
        connections.close_all()
        # the refusal closed the pooled connections
        cast(DatabaseWrapper, connections["default"]).close_pool()
        proxy.restore()
        breaker.reset_all()  # the refusal opened it: read the outcome at once


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("post", "revoke/", {}),
        ("put", "", {"expires_at": None, "weight": 7, "max_redelegations": 0, "reason": "r"}),
    ],
    ids=["revoke", "update"],
)
def test_a_delegation_write_that_committed_answers_200(
    database_proxy: FaultProxy,  # noqa: F811
    refuse_after_commit: Callable[[type[Model]], None],
    method: str,
    suffix: str,
    body: dict[str, Any],
) -> None:
    school = build_school()
    delegation = lend(
        school.alice, school.bob, permission=school.circulate, start=timezone.now(), days=None
    )
    client = staff_client()
    refuse_after_commit(Delegation)

    url = f"{API}/{delegation.pk}/{suffix}"
    response = answer_then_restore(database_proxy, lambda: getattr(client, method)(url, body))

    delegation.refresh_from_db()
    assert response.status_code == 200, response.content
    assert (delegation.revoked_at is not None) == (suffix == "revoke/")
    assert response.json()["delegatee"]["id"] == school.bob.pk
