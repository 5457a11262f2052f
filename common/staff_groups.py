"""The staff's jobs as Django groups: each app registers the group for its part of the admin,
with the model permissions that job needs, and every `migrate` (and `flush`) brings the groups
in line.

Why `post_migrate` and not a data migration or the seed: a data migration runs before Django
has created the permissions of a fresh database (they come from `post_migrate` too) and its rows
vanish with every `flush` (transactional tests, the live-server browser tests), and the seed
runs only where there are demo data, while a real school needs the groups in production. This
is how Django keeps its own permission rows, and it is idempotent: a group gets exactly the
permissions registered for it (one added by hand in the admin is taken off at the next migrate;
register it instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db.models import Q


@dataclass(frozen=True)
class StaffGroup:
    name: str
    work: str  # what the job does in the admin, in a sentence, for the page of a groupless user
    permissions: tuple[str, ...]  # "app_label.codename"


GROUPS: dict[str, StaffGroup] = {}


def register(name: str, work: str, permissions: list[str]) -> None:
    """Called by an app's `ready`; registering one name twice merges the permissions."""
    known = GROUPS.get(name)
    merged = (known.permissions if known else ()) + tuple(permissions)
    GROUPS[name] = StaffGroup(name, known.work if known else work, tuple(dict.fromkeys(merged)))


def model_permissions(app_label: str, actions: str, *models: str) -> list[str]:
    """`model_permissions("library", "view change", "loan", "hold")` -> library.view_loan, ..."""
    return [f"{app_label}.{action}_{model}" for model in models for action in actions.split()]


def sync() -> None:
    """Create the registered groups and set each one's permissions to exactly those registered."""
    for group in GROUPS.values():
        row, _ = Group.objects.get_or_create(name=group.name)
        row.permissions.set(_permission_rows(group.permissions))


def _permission_rows(names: tuple[str, ...]) -> list[Permission]:
    wanted = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    rows = list(Permission.objects.filter(wanted).select_related("content_type"))
    missing = set(names) - {f"{p.content_type.app_label}.{p.codename}" for p in rows}
    if missing:
        raise LookupError(f"Unknown permissions for a staff group: {sorted(missing)}")
    return rows


def sync_after_migrate(sender: Any, **kwargs: Any) -> None:
    """`post_migrate` runs once per app with models; the groups are set after the last one's,
    when every app's permissions exist."""
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is with_models[-1] and kwargs.get("using", "default") == "default":
        sync()
