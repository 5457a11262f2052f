"""Settings resolve each store from the environment, with an embedded default when unset."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

STORE_VARIABLES = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "REDIS_URL",
    "NEO4J_BOLT_URL",
    "DJANGO_SECRET_KEY",
)
PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "pool": "pool" in settings.DATABASES["default"].get("OPTIONS", {}),
    "cache": settings.CACHES["default"]["BACKEND"],
    "graph": settings.GRAPH_BACKEND,
    "routers": settings.DATABASE_ROUTERS,
    "toolbar": "debug_toolbar" in settings.INSTALLED_APPS,
    "debug": settings.DEBUG,
    "devtools": "devtools" in settings.INSTALLED_APPS,
    "urlconf": settings.ROOT_URLCONF,
}))
"""


def load_settings(
    module: str, code: str = PROBE, **variables: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in STORE_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE=module, **variables)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def resolved(module: str, **variables: str) -> dict[str, object]:
    result = load_settings(module, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_environment_gives_the_embedded_defaults() -> None:
    config = resolved("config.settings.local")
    assert config["engine"] == "django.db.backends.sqlite3"
    assert config["cache"] == "common.cache.backends.InstrumentedLocMemCache"
    assert config["graph"] == "sql"
    assert config["routers"] == []  # every read on the one database
    assert config["toolbar"] is True
    assert config["debug"] is True


def test_a_django_log_record_prints_once_in_local() -> None:
    """runserver's "Watching for file changes" line used to print twice: Django's own console
    handler and the root's both wrote it."""
    code = "import django, logging; django.setup(); logging.getLogger('django.x').info('once?')"
    result = load_settings("config.settings.local", code)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("once?") == 1


@pytest.mark.parametrize(
    ("variable", "value", "key", "expected"),
    [
        (
            "DATABASE_URL",
            "postgres://u:p@db:5432/campus",
            "engine",
            "common.db.postgresql",
        ),
        ("DATABASE_URL", "postgres://u:p@db:5432/campus", "pool", True),
        (
            "REDIS_URL",
            "redis://cache:6379/0",
            "cache",
            "common.cache.backends.InstrumentedRedisCache",
        ),
        ("NEO4J_BOLT_URL", "bolt://neo4j:secret@graph:7687", "graph", "neo4j"),
        (
            "DATABASE_REPLICA_URL",
            "postgres://u:p@replica:5432/campus",
            "routers",
            ["common.db.routers.ReplicaRouter"],
        ),
    ],
)
def test_each_variable_selects_its_real_store(
    variable: str, value: str, key: str, expected: object
) -> None:
    assert resolved("config.settings.local", **{variable: value})[key] == expected


def test_production_requires_its_secrets() -> None:
    result = load_settings("config.settings.production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_and_test_settings_have_no_toolbar() -> None:
    production = resolved(
        "config.settings.production",
        DJANGO_SECRET_KEY="x" * 60,
        DJANGO_ALLOWED_HOSTS="campus.example",
    )
    assert production["toolbar"] is False
    assert production["debug"] is False
    assert "debug_toolbar" not in settings.INSTALLED_APPS


def test_only_local_and_test_settings_install_devtools() -> None:
    secrets_set = {"DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "campus.example"}
    production = resolved("config.settings.production", **secrets_set)
    assert (production["devtools"], production["urlconf"]) == (False, "config.urls")
    assert resolved("config.settings.local")["devtools"] is True
    assert "devtools" in settings.INSTALLED_APPS
    # bench_http's server: production settings, with the floor views beside the site's URLs.
    bench = resolved("devtools.bench.settings", **secrets_set)
    assert (bench["devtools"], bench["urlconf"]) == (False, "devtools.bench.urls")


def test_production_passes_check_deploy() -> None:
    env = {k: v for k, v in os.environ.items() if k not in STORE_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="campus.example",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
