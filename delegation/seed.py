"""Demo permissions, roles, assignments and delegations on top of the `people.seed` org.

`small` writes through the services (so the audit log and outbox show real history); `large`
(50,000 delegations) inserts in bulk, generating only delegations the services would accept:
each delegator holds what it lends, with a re-delegation left, when the delegation starts.
Deterministic (seeded random) and idempotent (natural keys; seeded delegations carry
`seed:<n>` as their reason). After a bulk seed, `graph_rebuild` brings Neo4j in line.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from common.seed import analyze
from delegation import services
from delegation.graph.base import MAX_CHAIN
from delegation.models import Delegation, Permission, Role, RoleAssignment
from people.models import Person
from people.seed import BATCH, Node, org_tree, person_ids

# The reference time of the demo: windows are placed around it; the benchmark asks at it.
BASE = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
DELEGATIONS = {"small": 60, "large": 50_000}
PERMISSIONS = {
    "school.view_directory": "See the school directory",
    "school.grade": "Grade students",
    "school.enroll": "Enrol students in courses",
    "library.circulate": "Lend and take back books",
    "library.catalogue": "Add and edit catalogue entries",
    "library.manage": "Manage the library",
    "blog.publish": "Publish posts",
    "blog.moderate": "Moderate comments",
    "delegation.manage": "Manage roles and delegations",
    "delegation.view": "Ask the graph about other people",
}
# code: (name, permissions, inherited roles)
ROLES = {
    "staff-member": ("Staff member", ["school.view_directory"], []),
    "teacher": ("Teacher", ["school.grade"], ["staff-member"]),
    "head-of-department": ("Head of department", ["school.enroll"], ["teacher"]),
    "librarian": ("Librarian", ["library.circulate", "library.catalogue"], ["staff-member"]),
    "head-librarian": ("Head librarian", ["library.manage"], ["librarian"]),
    "editor": ("Editor", ["blog.publish"], []),
    "moderator": ("Moderator", ["blog.moderate"], ["editor"]),
    "principal": (
        "Principal",
        ["delegation.manage", "delegation.view"],
        ["head-of-department", "head-librarian", "moderator"],
    ),
}
# Role of each person by tree level; the second role goes to every third person of the level.
LEVEL_ROLES = {0: ("principal", None), 1: ("head-of-department", "head-librarian")}
DEEPER_ROLES = ("teacher", "librarian", "editor", "moderator")
HOLDS_FROM = BASE - timedelta(days=400)


@dataclass
class Holding:
    """Someone who may lend `grant` from `start` to `end`, passing it on `budget` more times."""

    person_id: int
    permission_id: int | None
    role_id: int | None
    start: datetime
    end: datetime | None
    budget: int


def _seed_roles() -> dict[str, Role]:
    for codename, description in PERMISSIONS.items():
        Permission.objects.get_or_create(codename=codename, defaults={"description": description})
    permissions = {p.codename: p for p in Permission.objects.all()}
    roles = {role.code: role for role in Role.objects.all()}
    for code, (name, granted, inherited) in ROLES.items():
        if code not in roles:
            roles[code] = services.role_create(
                actor=None,
                code=code,
                name=name,
                permissions=[permissions[c] for c in granted],
                inherits=[roles[c] for c in inherited],
            )
    return roles


def _role_of(node: Node) -> list[str]:
    if node.level in LEVEL_ROLES:
        first, second = LEVEL_ROLES[node.level]
        return [first] + ([second] if second and node.number % 3 == 0 else [])
    if node.level <= 4 or node.number % 4 == 0:
        return [DEEPER_ROLES[(node.number // 4) % len(DEEPER_ROLES)]]
    return []


def _seed_assignments(
    nodes: list[Node], ids: dict[str, int], roles: dict[str, Role], bulk: bool
) -> list[RoleAssignment]:
    existing = set(RoleAssignment.objects.values_list("person_id", "role_id"))
    wanted = [
        RoleAssignment(person_id=ids[node.path], role=roles[code], valid_from=HOLDS_FROM)
        for node in nodes
        for code in _role_of(node)
        if (ids[node.path], roles[code].pk) not in existing
    ]
    if bulk:
        RoleAssignment.objects.bulk_create(wanted, batch_size=BATCH)
    else:
        for row in wanted:
            services.assignment_create(
                actor=None, person=row.person, role=row.role, valid_from=row.valid_from
            )
    return list(RoleAssignment.objects.all())


def _covered_permissions(roles: dict[str, Role]) -> dict[int, list[int]]:
    """Role id -> every permission id the role includes through inheritance."""
    by_code: dict[str, set[str]] = {}

    def collect(code: str) -> set[str]:
        if code not in by_code:
            _, granted, inherited = ROLES[code]
            by_code[code] = set(granted).union(*(collect(parent) for parent in inherited))
        return by_code[code]

    permission_ids = dict(Permission.objects.values_list("codename", "id"))
    return {roles[code].pk: sorted(permission_ids[c] for c in collect(code)) for code in ROLES}


def _initial_holdings(
    assignments: list[RoleAssignment], covered: dict[int, list[int]]
) -> list[Holding]:
    holdings = []
    for assignment in assignments:
        holdings.append(
            Holding(assignment.person_id, None, assignment.role_id, HOLDS_FROM, None, MAX_CHAIN)
        )
        holdings += [
            Holding(assignment.person_id, permission_id, None, HOLDS_FROM, None, MAX_CHAIN)
            for permission_id in covered[assignment.role_id]
        ]
    return holdings


def _lend(
    rng: random.Random, source: Holding, delegatee: int, number: int
) -> tuple[Delegation, Holding] | None:
    """One delegation the services would accept from `source`, and what it gives the delegatee
    (None when the source's window leaves no room to start one)."""
    earliest = max(source.start, BASE - timedelta(days=200))
    latest = BASE + timedelta(days=30)
    if source.end is not None:
        latest = min(latest, source.end - timedelta(hours=1))
    if latest <= earliest:
        return None
    start = earliest + (latest - earliest) * rng.random()
    expires = None if rng.random() < 0.3 else start + timedelta(days=rng.randint(7, 700))
    revoked = start + timedelta(days=rng.randint(1, 300)) if rng.random() < 0.05 else None
    limit = min(source.budget - 1, rng.choices([0, 1, 2, 3], weights=[45, 30, 17, 8])[0])
    delegation = Delegation(
        delegator_id=source.person_id,
        delegatee_id=delegatee,
        permission_id=source.permission_id,
        role_id=source.role_id,
        valid_from=start,
        expires_at=expires,
        revoked_at=revoked,
        weight=rng.randint(1, 10),
        max_redelegations=limit,
        reason=f"seed:{number}",
    )
    ends = [moment for moment in (expires, revoked, source.end) if moment is not None]
    return delegation, Holding(
        delegatee, source.permission_id, source.role_id, start, min(ends, default=None), limit
    )


def _generate(count: int, holdings: list[Holding], people: list[int]) -> list[Delegation]:
    rng = random.Random(20260101)
    lenders = list(holdings)
    made: list[Delegation] = []
    while len(made) < count:
        # Half the time lend from a recent delegatee, so chains grow several links deep.
        recent = lenders[-2000:] if len(lenders) > len(holdings) and rng.random() < 0.5 else lenders
        source = rng.choice(recent)
        delegatee = rng.choice(people)
        lent = _lend(rng, source, delegatee, len(made)) if delegatee != source.person_id else None
        if lent is None:
            continue
        delegation, held = lent
        made.append(delegation)
        if held.budget >= 1:
            lenders.append(held)
    return made


def _seed_demo_user(ids: dict[str, int]) -> None:
    """A non-staff account whose person may circulate books only through a delegation."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username="volunteer", defaults={"email": "volunteer@demo"}
    )
    if created:
        user.set_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    person = Person.objects.get(pk=ids["0.2.0.0"])
    if person.user_id is None:
        person.user = user
        person.save(update_fields=["user"])
    lender = Person.objects.get(pk=ids["0.2"])
    circulate = Permission.objects.get(codename="library.circulate")
    if not Delegation.objects.filter(
        delegatee=person, permission=circulate, reason="volunteer desk"
    ).exists():
        services.delegation_create(
            actor=None,
            delegator=lender,
            delegatee=person,
            permission=circulate,
            valid_from=HOLDS_FROM + timedelta(days=1),
            reason="volunteer desk",
        )


@transaction.atomic
def seed(*, size: str, log: Callable[[str], None]) -> None:
    nodes = list(org_tree(size))
    ids = person_ids(nodes)
    bulk = size == "large"
    roles = _seed_roles()
    assignments = _seed_assignments(nodes, ids, roles, bulk)
    holdings = _initial_holdings(assignments, _covered_permissions(roles))
    wanted = _generate(DELEGATIONS[size], holdings, list(ids.values()))
    seeded = set(
        Delegation.objects.filter(reason__startswith="seed:").values_list("reason", flat=True)
    )
    missing = [delegation for delegation in wanted if delegation.reason not in seeded]
    if bulk:
        Delegation.objects.bulk_create(missing, batch_size=BATCH)
        analyze(RoleAssignment, Delegation)  # the CTEs get index plans from the start
    else:
        for row in missing:
            created = services.delegation_create(
                actor=None,
                delegator=row.delegator,
                delegatee=row.delegatee,
                permission=row.permission,
                role=row.role,
                valid_from=row.valid_from,
                expires_at=row.expires_at,
                weight=row.weight,
                max_redelegations=row.max_redelegations,
                reason=row.reason,
            )
            if row.revoked_at:
                services.delegation_revoke(actor=None, delegation=created, at=row.revoked_at)
    _seed_demo_user(ids)
    log(
        f"delegation: {len(roles)} roles, {len(assignments)} assignments, "
        f"{Delegation.objects.count()} delegations (account 'volunteer' may circulate via one)"
    )
