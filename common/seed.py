"""Demo accounts (an administrator and a staff member who can log in to the admin), and what
every app's seed step uses for bulk loads: progress lines and fresh planner statistics."""

from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Model

Log = Callable[[str], None]
BATCH = 5_000
PROGRESS_EVERY = 50_000  # rows between two progress lines of one bulk load


def seed(*, size: str, log: Callable[[str], None]) -> None:
    password = settings.DEMO_PASSWORD
    User = get_user_model()
    accounts = [("admin", True), ("staff", False)]
    for username, superuser in accounts:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"is_staff": True, "is_superuser": superuser, "email": f"{username}@demo"},
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])


def analyze(*models: type[Model]) -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL only): until autovacuum gets to
    the tables, the planner would guess from an empty table (a deep-offset query took 4.7 s
    before ANALYZE, 1.8 s after). Outside a transaction it is VACUUM (ANALYZE), which also
    merges the GIN indexes' pending lists (a search index probe over 100k fresh books cost
    ten times more before) and sets the visibility map for index-only scans; VACUUM cannot
    run inside a transaction, so steps that run in one get ANALYZE alone."""
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")


def _batches(rows: Iterable[Model], size: int) -> Iterator[list[Model]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def bulk_load(
    model: type[Model], rows: Iterable[Model], *, log: Log, label: str, total: int | None = None
) -> int:
    """Insert `rows` in batches (one transaction each; existing natural keys skipped), logging
    a progress line every PROGRESS_EVERY rows, then ANALYZE the table. Returns the rows sent."""
    done = 0
    for batch in _batches(rows, BATCH):
        with transaction.atomic():
            model._default_manager.bulk_create(batch, ignore_conflicts=True)
        before, done = done, done + len(batch)
        if done // PROGRESS_EVERY > before // PROGRESS_EVERY:
            log(f"  {label}: {done:,}" + (f" of {total:,}" if total else "") + " rows")
    analyze(model)
    return done
