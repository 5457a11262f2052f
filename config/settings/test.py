"""Test suite: always PostgreSQL and Redis (the README's test command provides both)."""

import os

# Defaults for a bare `pytest`; scripts/test.sh and CI set these explicitly.
os.environ.setdefault("DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/campus")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS, REST_FRAMEWORK, replica_config

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, tests only
# The site's graph is the SQL backend; tests that want Neo4j switch to the local one that
# scripts/test.sh starts (the `neo4j` and `graph_proxy` fixtures, TEST_NEO4J_BOLT_URL).
NEO4J_BOLT_URL = ""
GRAPH_BACKEND = "sql"
# Off: a test's first cache read would add the pending-invalidation query, and query counts
# compared between two requests would differ by it. The fault test that needs it turns it on.
CACHE_IDLE_RECHECK = None
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "anon": "100000/minute",
        "user": "100000/minute",
        "lab": "100000/minute",
        "token": "100000/minute",
    },
}
# The test replica (scripts/test.sh starts one): the alias exists, the router is off; the
# `replica` fixture switches it on for the tests that read through it.
if os.environ.get("TEST_DATABASE_REPLICA_URL"):
    DATABASES["replica"] = replica_config(os.environ["TEST_DATABASE_REPLICA_URL"])
DATABASE_ROUTERS = []
INSTALLED_APPS = [*INSTALLED_APPS, "django_migration_linter", "devtools"]
# The bench commands that tests run print their tables and never rewrite docs/benchmarks/.
BENCH_REPORTS_DIR = None
# Lint only our own apps' migrations, from the first commit on (Django's own are not ours).
MIGRATION_LINTER_OPTIONS = {
    "include_apps": ["common", "people", "school", "library", "blog", "delegation"],
    # Reviewed and accepted, one reason per migration. Listed here rather than marked with the
    # linter's IgnoreMigration() in the migration: production installs only requirements.txt, so
    # a migration importing the (development-only) linter could not run there.
    "ignore_name": [
        # Rename tables to move models between apps (common.model_moves). Code that still names
        # the old tables must not run meanwhile: deploy them with the release that moves the
        # models, not ahead of it.
        "0002_move_audit_outbox_to_common",
        "0003_move_people_tables",
        # blog, step 1 contract: SET NOT NULL on `slug` and DROP COLUMN `published`. 0003 filled
        # every slug and no release after 0002 reads `published`; SET NOT NULL does not scan,
        # a validated NOT VALID check proves it first (SetNotNullOnline).
        "0004_post_slug_status_contract",
        # blog: a new UNIQUE on an existing table. Its index is built CONCURRENTLY and attached
        # with ADD CONSTRAINT ... USING INDEX, the safe way (AddUniqueConstraintConcurrently).
        "0005_post_slug_unique_concurrently",
        # blog, step 2 contract: DROP COLUMN `tag_list`. 0007 copied every tag into Tag, and no
        # release after 0006 reads the column.
        "0008_tag_contract",
        # blog, step 3 contract: SET NOT NULL on `author` and DROP COLUMN `user`. 0010 set every
        # author and no release after 0009 reads `Post.user`; SET NOT NULL does not scan.
        "0012_author_profile_contract",
    ],
}
