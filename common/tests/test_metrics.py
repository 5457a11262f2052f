"""Prometheus metrics: counts summed over worker processes, /metrics access, outbox lag."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import DataError, connection, transaction
from django.test import Client
from django.urls import reverse

from common import metrics
from common.models import OutboxEvent

WORKERS = 2

# One gunicorn worker's share of traffic: a read-through family read twice (a miss, then a hit)
# and one database query, inside `collect()` as the Server-Timing middleware does.
WORKER = """
import sys
import django

django.setup()
from django.db import connection
from common import telemetry
from common.cache.readthrough import Family, read_one

connection.ensure_connection()  # the queries that set up a connection are not the worker's
with telemetry.collect():
    for _ in range(2):
        read_one(Family("test.workers"), sys.argv[1], lambda: "value")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
"""


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def two_workers_counted(db: None, tmp_path: Path) -> str:
    """Run two real worker processes sharing one multiprocess directory; return the directory."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
    }
    run = uuid.uuid4().hex  # cache keys of this run only: each worker's first read is a miss
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, f"{run}-{worker}"],
            env=env,
            cwd=settings.BASE_DIR,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(WORKERS)
    ]
    for worker in workers:
        _, errors = worker.communicate(timeout=60)
        assert worker.returncode == 0, errors
    return str(tmp_path)


def test_two_worker_processes_counts_add_up(two_workers_counted: str) -> None:
    family = metrics.cache_counts(two_workers_counted)["test.workers"]
    calls = metrics.store_calls(two_workers_counted)

    assert family == {"miss": WORKERS, "hit": WORKERS}
    # Per worker, the miss costs get_many, add (the lock), set_many and delete; the hit get_many.
    assert calls["cache"] == 5 * WORKERS
    assert calls["db"] == WORKERS


def test_ops_cache_and_metrics_serve_the_workers_sum(
    two_workers_counted: str, staff_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", two_workers_counted)

    body = staff_client.get(reverse("api-ops-cache")).json()
    scraped = Client().get(reverse("metrics")).content.decode()

    assert body["scope"] == "workers"
    assert body["families"]["test.workers"] == {
        "hit": 2,
        "stale": 0,
        "miss": 2,
        "invalidation": 0,
        "error": 0,
        "hit_ratio": 0.5,
        "ttl": settings.CACHE_TTLS["default"],
    }
    assert 'campus_cache_events_total{family="test.workers",kind="hit"} 2.0' in scraped
    assert 'campus_store_call_seconds_count{store="cache"} 10.0' in scraped


# A worker as gunicorn starts it: the config file runs first, then the app is imported.
UNDER_GUNICORN_CONF = """
import os
import runpy
import django

runpy.run_path("config/gunicorn.conf.py")
django.setup()
from common.cache.counters import counters

counters.add("test.gunicorn_conf", "hit")
print(os.environ["PROMETHEUS_MULTIPROC_DIR"])
"""


def test_the_gunicorn_config_puts_workers_in_multiprocess_mode() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    worker = subprocess.run(
        [sys.executable, "-c", UNDER_GUNICORN_CONF],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    directory = worker.stdout.strip()
    try:
        assert metrics.cache_counts(directory)["test.gunicorn_conf"] == {"hit": 1}
    finally:
        shutil.rmtree(directory)


OUTSIDE = "203.0.113.7"  # TEST-NET-3: never in the default allowed networks


@pytest.fixture
def member_session(member_user: User) -> Client:
    client = Client(REMOTE_ADDR=OUTSIDE)
    client.force_login(member_user)
    return client


@pytest.fixture
def staff_session(staff_user: User) -> Client:
    client = Client(REMOTE_ADDR=OUTSIDE)
    client.force_login(staff_user)
    return client


@pytest.mark.django_db
def test_metrics_refuses_anonymous_and_members_outside_the_allowed_networks(
    member_session: Client,
) -> None:
    assert Client(REMOTE_ADDR=OUTSIDE).get(reverse("metrics")).status_code == 403
    assert member_session.get(reverse("metrics")).status_code == 403


@pytest.mark.django_db
def test_metrics_serves_staff_from_anywhere(staff_session: Client) -> None:
    response = staff_session.get(reverse("metrics"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "campus_store_call_seconds_bucket" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1", "10.1.2.3"])
def test_metrics_serves_anonymous_scrapers_on_the_allowed_networks(address: str, settings) -> None:
    settings.METRICS_ALLOWED_NETWORKS = [
        *settings.METRICS_ALLOWED_NETWORKS,
        ip_network("10.0.0.0/8"),
    ]

    assert Client(REMOTE_ADDR=address).get(reverse("metrics")).status_code == 200


@pytest.mark.django_db
def test_behind_a_same_host_proxy_the_allow_list_checks_the_client_not_the_proxy(
    settings,
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    via_proxy = Client(REMOTE_ADDR="127.0.0.1")

    outsider = via_proxy.get(reverse("metrics"), HTTP_X_FORWARDED_FOR=OUTSIDE)
    forged = via_proxy.get(reverse("metrics"), HTTP_X_FORWARDED_FOR=f"127.0.0.1, {OUTSIDE}")
    scraper = via_proxy.get(reverse("metrics"), HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert (outsider.status_code, forged.status_code, scraper.status_code) == (403, 403, 200)


@pytest.mark.django_db
def test_outbox_lag_counts_pending_events_and_ages_the_oldest() -> None:
    oldest = OutboxEvent.objects.create(kind="test", payload={})
    OutboxEvent.objects.create(kind="test", payload={})
    OutboxEvent.objects.filter(pk=oldest.pk).update(
        created_at=oldest.created_at - timedelta(minutes=10)
    )
    scraped = Client().get(reverse("metrics")).content.decode()

    assert "campus_outbox_pending_events 2.0" in scraped
    age = next(
        float(line.split()[1])
        for line in scraped.splitlines()
        if line.startswith("campus_outbox_oldest_pending_age_seconds ")
    )
    assert age >= 600


@pytest.mark.django_db
def test_metrics_are_served_without_outbox_lag_when_the_database_refuses() -> None:
    with transaction.atomic():
        with connection.cursor() as cursor, pytest.raises(DataError):
            cursor.execute("SELECT 1 / 0")  # the transaction is aborted: every query now fails
        scraped = metrics.exposition().decode()
        transaction.set_rollback(True)

    assert "campus_outbox_pending_events" not in scraped
    assert "campus_store_call_seconds" in scraped
