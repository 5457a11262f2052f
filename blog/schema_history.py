"""The blog's schema history as a story: steps, why each was taken, and each migration's SQL.

Shown to students on the lab page (/blog/schema/) and written to docs/blog-schema-history.md by
`manage.py blog_schema_docs`. The SQL is what `sqlmigrate` prints, forwards and backwards.

The lab page always shows the PostgreSQL statements the history documents (`documented_sql`,
read back from the generated Markdown, which a test keeps current): the steps' promises (no
table rewrite, indexes built CONCURRENTLY) are PostgreSQL's. When the site runs on SQLite, the
page adds what SQLite runs instead (`migrations_sql` for the database in use) and says which
steps rebuild a table there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader

from blog.schema_version import APP_LABEL, code_history, migration_doc


@dataclass(frozen=True)
class Step:
    title: str
    migrations: tuple[str, ...]
    why: str
    data: str
    rollback: str


@dataclass(frozen=True)
class MigrationSql:
    name: str
    description: str
    forwards: str
    backwards: str


@dataclass(frozen=True)
class StepWithSql:
    step: Step
    migrations: list[MigrationSql] = field(default_factory=list)


@dataclass(frozen=True)
class LabMigration:
    """One migration on the lab page: the documented PostgreSQL SQL, and, when the site runs on
    another database, what that database runs instead."""

    name: str
    description: str
    postgresql: MigrationSql
    here: MigrationSql | None

    @property
    def rebuilds_table(self) -> bool:
        """Whether the database in use copies a whole table here (SQLite's ALTER TABLE
        emulation: CREATE TABLE "new__…", INSERT … SELECT, DROP, rename)."""
        return self.here is not None and '"new__' in self.here.forwards + self.here.backwards


@dataclass(frozen=True)
class LabStep:
    step: Step
    migrations: list[LabMigration]


STEPS = (
    Step(
        title="0. The first blog",
        migrations=("0001_initial",),
        why=(
            "A first version written in an afternoon: a post belongs to a user, tags are a "
            "comma-separated text column, a boolean says whether it is published, comments "
            "are flat. Enough to start; each later step fixes one of its limits."
        ),
        data="No data yet: the tables are created empty.",
        rollback="`manage.py migrate blog zero` drops the tables (and every post).",
    ),
    Step(
        title="1. Slugs and a publication state",
        migrations=(
            "0002_post_slug_status_expand",
            "0003_post_slug_status_backfill",
            "0004_post_slug_status_contract",
            "0005_post_slug_unique_concurrently",
        ),
        why=(
            "Posts need stable, readable URLs (`/blog/posts/my-first-post/`) instead of ids, and "
            "the date a post went public, which the boolean `published` could not record. A "
            "`status` (draft, published) leaves room for more states later."
        ),
        data=(
            "Expand (0002) adds nullable `slug`, `status` with a database default, and "
            "`published_at`. The backfill (0003) walks posts without a slug in primary-key "
            "batches of 500, one transaction each: slug from the title (`-<id>` appended on "
            "a clash, `post` when the title has no letters), `status` from `published`, "
            "`published_at` from `created_at`. Rerunning it skips rows already done. Contract "
            "(0004) makes `slug` NOT NULL, adds a check that a published post has a date, and "
            "drops `published`; both constraints are first added NOT VALID and then validated, "
            "so the scan that proves them lets writes through. 0005 builds the unique slug "
            "index and the (status, published_at) index CONCURRENTLY, so writes continue while "
            "they build."
        ),
        rollback=(
            "`manage.py migrate blog 0001_initial`: the indexes and constraint go, "
            "`published` comes back and 0003's reverse sets it from `status` (and empties the "
            "slugs), then the new columns are dropped. Lost on the way back: a `published_at` "
            "that differs from `created_at`, which the old schema cannot hold."
        ),
    ),
    Step(
        title="2. Tags in their own table",
        migrations=("0006_tag_expand", "0007_tag_copy", "0008_tag_contract"),
        why=(
            "Free-text tags cannot be listed, counted, renamed or filtered by index, and "
            "`Django`, `django ` and `DJANGO` were three different tags. A Tag table with a "
            "unique slug and a many-to-many link fixes all of that."
        ),
        data=(
            "Expand (0006) creates `blog_tag` and `blog_post_tags`, both new and empty. The "
            "copy (0007) reads posts with a non-empty `tag_list` in batches, splits on commas, "
            "trims, slugifies (the first spelling met names the tag), and inserts tags and "
            "links with ON CONFLICT DO NOTHING: a rerun adds nothing twice. Contract (0008) "
            "drops `tag_list` once no running release reads it."
        ),
        rollback=(
            "`manage.py migrate blog 0005`: `tag_list` comes back empty, 0007's reverse "
            "rebuilds it from the links (names sorted by name: a many-to-many keeps no order) "
            "and deletes the links, then the tag tables are dropped. Lost: the original order "
            "and spelling of the names in each post's text."
        ),
    ),
    Step(
        title="3. An author profile split out of the user",
        migrations=(
            "0009_author_profile_expand",
            "0010_author_profile_backfill",
            "0011_post_author_index_concurrently",
            "0012_author_profile_contract",
        ),
        why=(
            "A post's byline (display name, bio, a public slug for author pages) is blog data, "
            "not login data; the auth user stays about authentication. Posts now point at an "
            "AuthorProfile, one per user who writes."
        ),
        data=(
            "Expand (0009) creates `blog_authorprofile`, adds a nullable, unindexed "
            "`Post.author` and makes `Post.user` nullable. The backfill (0010) takes posts "
            "without an author in batches: it creates the missing profiles of their users "
            "(display name from first and last name, else the username; slug from the "
            "username, `-<user id>` on a clash) with ON CONFLICT DO NOTHING, then sets "
            "`author` with one UPDATE with a subquery per batch. 0011 builds the "
            "(author, published_at) index CONCURRENTLY, which also serves the foreign key. "
            "Contract (0012) makes `author` NOT NULL (proven by a validated check, as in 0004) "
            "and drops `Post.user`."
        ),
        rollback=(
            "`manage.py migrate blog 0008`: `Post.user` comes back nullable, 0010's reverse "
            "sets it from the author's user, 0009's reverse makes it NOT NULL again and drops "
            "the profiles. Lost: bios and display names edited since. The way back rebuilds "
            "the `user_id` index with a plain CREATE INDEX, which holds writes while it runs."
        ),
    ),
    Step(
        title="4. Constraint messages",
        migrations=("0013_constraint_messages",),
        why=(
            "A form or an API call that broke a constraint answered with its name "
            '(`Constraint "blog_post_slug_uniq" is violated.`). Each '
            "constraint now carries the sentence staff and clients read instead."
        ),
        data="None: the change is in Django's state only; the database runs no SQL.",
        rollback="`manage.py migrate blog 0012`: the messages go back to the constraint names.",
    ),
)


@lru_cache(maxsize=8)
def migrations_sql(alias: str = DEFAULT_DB_ALIAS) -> dict[str, MigrationSql]:
    """sqlmigrate output of every blog migration, both ways, for the `alias` database.

    Built once per process and database: it replays the migration graph, and the SQL only
    changes with the code.
    """
    return sql_for_connection(connections[alias])


def sql_for_connection(connection: BaseDatabaseWrapper) -> dict[str, MigrationSql]:
    """sqlmigrate output of every blog migration, both ways, for `connection`'s database."""
    loader = MigrationLoader(connection, replace_migrations=False)
    result = {}
    for name, _ in code_history():
        migration = loader.graph.nodes[(APP_LABEL, name)]
        forwards = loader.collect_sql([(migration, False)])
        backwards = loader.collect_sql([(migration, True)])
        doc = migration_doc(migration.__module__)
        result[name] = MigrationSql(name, doc, "\n".join(forwards), "\n".join(backwards))
    return result


def history_with_sql(alias: str = DEFAULT_DB_ALIAS) -> list[StepWithSql]:
    sql = migrations_sql(alias)
    return [StepWithSql(step, [sql[name] for name in step.migrations]) for step in STEPS]


DOCS_PATH = Path(settings.BASE_DIR) / "docs" / "blog-schema-history.md"
_DOCUMENTED = re.compile(
    r"^### `(?P<name>[^`]+)`\n(?P<body>.*?)(?=^### |^## |\Z)", re.MULTILINE | re.DOTALL
)
_SQL_BLOCK = re.compile(r"```sql\n(.*?)\n```", re.DOTALL)


def documented_sql(path: Path = DOCS_PATH) -> dict[str, MigrationSql]:
    """Each migration's PostgreSQL SQL, forwards and backwards, as the history documents it
    (`render_markdown`'s output, generated on PostgreSQL)."""
    found = {}
    for section in _DOCUMENTED.finditer(path.read_text()):
        blocks = _SQL_BLOCK.findall(section["body"])
        if len(blocks) == 2:
            description = section["body"].split("\n\nForwards (", 1)[0].strip()
            found[section["name"]] = MigrationSql(section["name"], description, *blocks)
    return found


def lab_history(connection: BaseDatabaseWrapper) -> list[LabStep]:
    """The steps for the lab page: PostgreSQL's SQL always, and what `connection`'s database
    runs instead when it is not PostgreSQL."""
    documented = documented_sql()
    here = {}
    if connection.vendor != "postgresql":
        configured = connections[connection.alias] is connection  # then cached per process
        here = migrations_sql(connection.alias) if configured else sql_for_connection(connection)
    return [
        LabStep(
            step,
            [
                LabMigration(name, documented[name].description, documented[name], here.get(name))
                for name in step.migrations
            ],
        )
        for step in STEPS
    ]


INTRO = """\
# Blog schema history

How the blog's tables evolved, one reversible step at a time. Each step **expands** the schema
(new nullable columns or new tables, nothing the running code would trip on), **moves the data**
in batches (primary-key ranges of 500 rows, one short transaction each, safe to rerun), then
**contracts** (NOT NULL, drops) once no running release needs the old shape. Indexes on the posts
table are built `CONCURRENTLY` on PostgreSQL, so writes continue while they build.

Generated by `python manage.py blog_schema_docs` from `blog/schema_history.py` and `sqlmigrate`
on PostgreSQL; a test fails when it is stale. Students see the same on the lab page
(`/blog/schema/`), with what their database has applied.

## Watch the round trip

```sh
python manage.py showmigrations blog
python manage.py migrate blog 0001_initial   # all the way back, data carried back
python manage.py migrate blog                # and forwards again
curl -s localhost:8000/api/blog/schema/      # expected, applied, pending, history
pytest blog/tests/test_migrations.py         # every step, forwards and backwards, with data
```

While the database is behind (or ahead of) the code, the blog's pages and `/api/blog/` answer
503 naming both versions and the command to run; `manage.py check` warns (blog.W001).
"""


def _sql_block(sql: str) -> str:
    return f"```sql\n{sql.strip()}\n```\n"


def render_markdown(steps: list[StepWithSql]) -> str:
    parts = [INTRO]
    for item in steps:
        step = item.step
        parts.append(
            f"\n## {step.title}\n\n**Why.** {step.why}\n\n**How the data moves.** {step.data}\n\n"
            f"**How to roll back.** {step.rollback}\n"
        )
        for migration in item.migrations:
            parts.append(
                f"\n### `{migration.name}`\n\n{migration.description}\n\n"
                f"Forwards (`sqlmigrate blog {migration.name}`):\n\n"
                f"{_sql_block(migration.forwards)}\n"
                f"Backwards (`sqlmigrate --backwards blog {migration.name}`):\n\n"
                f"{_sql_block(migration.backwards)}"
            )
    return "".join(parts)
