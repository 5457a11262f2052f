"""Every library test that touches the database ends with `library_verify` clean."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.test import Client

from library.drift import circulation_drift


@pytest.fixture(autouse=True)
def _no_circulation_drift(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the test, copies, loans and holds agree (a test that makes drift repairs it)."""
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    request.getfixturevalue("db")  # set up before this fixture, so torn down after its check
    yield
    assert [drift.message for drift in circulation_drift()] == []


@pytest.fixture
def admin_client(staff_user: User) -> Client:
    """The Django test client signed in as a superuser, as staff click through the admin."""
    staff_user.is_superuser = True
    staff_user.save()
    client = Client()
    client.force_login(staff_user)
    return client
