"""The SQL backend's queries: recursive CTEs over the system-of-record tables.

Written once for PostgreSQL and SQLite (the embedded default): paths are text such as `,4,9,`
(no arrays). Each statement below is one whole text with named `$placeholders`, rendered once at
import by `string.Template`, which fails on an unknown or malformed name and leaves braces, `%`
and everything else alone. The placeholders are:

- the tables (`$person`, `$delegation`, …), named by their models, so the text follows a table
  that is renamed or moves app;
- the shared pieces defined first (`$valid_delegation`, `$grant_kind`, `$cover`, `$chain`, …);
- the pieces the two databases spell differently (`VENDOR`), rendered once per database:
  `$contains` (substring search), and `$delegations_into` / `$delegations_from`, the join
  from a walk's row to the delegations one step further (below);
- `$origins` and `$roles`, id lists filled per call from `sql.in_list` (bound parameters,
  never values).

Every value is a bound parameter (`%(name)s`).

Vocabulary: a *grant* is what an edge hands over, a role (`r`) or a permission (`p`). `cover`
says which grant includes which: a role covers itself, the roles it inherits (transitively) and
their permissions; a permission covers itself.
"""

from __future__ import annotations

from string import Template

from delegation.models import (
    Delegation,
    Permission,
    Role,
    RoleAssignment,
    RoleInheritance,
    RolePermission,
)
from people.models import OrgUnit, Person, ReportingLine

TABLES = {
    name: model._meta.db_table
    for name, model in {
        "person": Person,
        "orgunit": OrgUnit,
        "reportingline": ReportingLine,
        "permission": Permission,
        "role": Role,
        "role_permission": RolePermission,
        "role_inheritance": RoleInheritance,
        "assignment": RoleAssignment,
        "delegation": Delegation,
    }.items()
}
# One step of a walk, from its row (`c` walking backwards, `w` forwards) to the delegations into (or
# from) its person that are valid at T. On PostgreSQL a LATERAL subquery fenced by OFFSET 0 (so it
# is not flattened back into a join): the planner cannot estimate a recursive CTE's work table and,
# guessing it large, hashes the whole delegation table on every step (8 ms a step on the large
# seed); fenced, each step is an index probe per row that reads only the delegations valid at T, so
# invalid history is dropped while walking, never after. SQLite plans a join as a loop of index
# probes anyway and has no LATERAL.
STEP = {
    "postgresql": """CROSS JOIN LATERAL (
        SELECT * FROM $delegation d WHERE d.{end}_id = {walk}.person_id AND $valid_delegation
        OFFSET 0) d""",
    "sqlite": "JOIN $delegation d ON d.{end}_id = {walk}.person_id",
}
CONTAINS = {"postgresql": "strpos", "sqlite": "instr"}
# When delegation `d` stops counting (`models.VALID_UNTIL`, spelt as PostgreSQL prints it, so the
# planner matches the expression of the indexes `delegation_perm_until_idx` and
# `delegation_role_until_idx`): valid at T is `valid_from <= T AND VALID_UNTIL > T`, one index
# range that skips every lapsed row whatever T. SQLite has no 'infinity' and no such index.
VALID_UNTIL = (
    "LEAST(COALESCE(d.expires_at, 'infinity'::timestamp with time zone), "
    "COALESCE(d.revoked_at, 'infinity'::timestamp with time zone))"
)
LENDS_VALID = {
    "postgresql": f"d.valid_from <= %(at)s AND {VALID_UNTIL} > %(at)s",
    "sqlite": "$valid_delegation",
}
# Filled after import: kept as placeholders while the shared pieces and statements render.
LATE = {
    name: f"${name}"
    for name in (
        "contains",
        "delegations_into",
        "delegations_from",
        "lends_valid",
        "origins",
        "roles",
    )
}


def render(text: str) -> str:
    """`text` with the tables and the shared pieces defined so far filled in."""
    return Template(text).substitute(TABLES, **LATE, **PIECES)


class Query:
    """One statement, rendered at import for each database; only the id lists are left."""

    def __init__(self, text: str) -> None:
        whole = render(text)
        self.by_vendor = {
            vendor: Template(Template(whole).substitute(vendor_pieces(vendor)))
            for vendor in CONTAINS
        }

    def sql(self, vendor: str, origins: str = "NULL", roles: str = "NULL") -> str:
        return self.by_vendor[vendor].substitute(origins=origins, roles=roles)


def vendor_pieces(vendor: str) -> dict[str, str]:
    """The pieces spelled per database, with the per-call lists left as placeholders."""
    step = STEP[vendor]
    return {
        "contains": CONTAINS[vendor],
        "lends_valid": render(LENDS_VALID[vendor]),
        # `delegatee` walks backwards (into the person), `delegator` forwards (from them).
        "delegations_into": render(step.format(end="delegatee", walk="c")),
        "delegations_from": render(step.format(end="delegator", walk="w")),
        "origins": "$origins",
        "roles": "$roles",
    }


PIECES: dict[str, str] = {}

# Time windows are half-open: valid at T when start <= T < end (a null end never ends).
PIECES["valid_delegation"] = """
    d.valid_from <= %(at)s
    AND (d.expires_at IS NULL OR d.expires_at > %(at)s)
    AND (d.revoked_at IS NULL OR d.revoked_at > %(at)s)"""
PIECES["valid_assignment"] = (
    "a.valid_from <= %(at)s AND (a.valid_to IS NULL OR a.valid_to > %(at)s)"
)
PIECES["valid_line"] = "rl.valid_from <= %(at)s AND (rl.valid_to IS NULL OR rl.valid_to > %(at)s)"
# What delegation `d` lends, as a grant (kind, id).
PIECES["grant_kind"] = "CASE WHEN d.role_id IS NULL THEN 'p' ELSE 'r' END"
PIECES["grant_id"] = "COALESCE(d.role_id, d.permission_id)"

# incl: each role and every role it inherits, transitively. cover(hk, hid, nk, nid): holding
# grant (hk, hid) includes grant (nk, nid).
PIECES["cover"] = render("""
incl(role_id, included_id) AS (
    SELECT id, id FROM $role
    UNION
    SELECT incl.role_id, ri.parent_id
    FROM incl JOIN $role_inheritance ri ON ri.role_id = incl.included_id
),
cover(hk, hid, nk, nid) AS (
    SELECT 'r', role_id, 'r', included_id FROM incl
    UNION
    SELECT 'r', incl.role_id, 'p', rp.permission_id
    FROM incl JOIN $role_permission rp ON rp.role_id = incl.included_id
    UNION
    SELECT 'p', id, 'p', id FROM $permission
)""")

# chain: delegations walked backwards from each origin person. A row says: `person_id` must
# hold grant (nk, nid) at T for the links in `links` (nearest the origin first) to reach the
# origin. A link with `depth` links after it counts only if its re-delegation limit is at least
# `depth` (plus `min_budget`: 1 when the origin wants to pass the grant on). A row whose
# delegator is already on its path is a cycle: kept (to report it) but not followed.
# grounded: the chains whose far end holds a role assignment valid at T that covers the need.
PIECES["chain"] = render("""
chain(origin, person_id, nk, nid, depth, weight, links, persons, gk, gid, cyclic) AS (
    SELECT p.id, p.id, CAST(%(nk)s AS TEXT),
           COALESCE(CAST(%(nid)s AS BIGINT),
                    (SELECT pm.id FROM $permission pm WHERE pm.codename = %(codename)s)),
           0, 0,
           CAST(',' AS TEXT), ',' || CAST(p.id AS TEXT) || ',',
           CAST(NULL AS TEXT), CAST(NULL AS BIGINT), 0
    FROM $person p WHERE p.id IN ($origins)
    UNION ALL
    SELECT c.origin, d.delegator_id, $grant_kind, $grant_id, c.depth + 1, c.weight + d.weight,
           c.links || CAST(d.id AS TEXT) || ',',
           c.persons || CAST(d.delegator_id AS TEXT) || ',',
           COALESCE(c.gk, $grant_kind), COALESCE(c.gid, $grant_id),
           CASE WHEN $contains(c.persons, ',' || CAST(d.delegator_id AS TEXT) || ',') > 0
                THEN 1 ELSE 0 END
    FROM chain c
    $delegations_into
    WHERE c.cyclic = 0 AND c.depth < %(max_chain)s
      AND d.max_redelegations >= c.depth + %(min_budget)s
      AND $valid_delegation
      AND (c.nk IS NULL OR EXISTS (
            SELECT 1 FROM cover
            WHERE cover.hk = $grant_kind AND cover.hid = $grant_id
              AND cover.nk = c.nk AND cover.nid = c.nid))
),
grounded AS (
    SELECT c.origin, c.depth, c.weight, c.links, a.id AS assignment_id,
           a.role_id AS assigned_role_id, a.scope_unit_id,
           COALESCE(c.gk, 'r') AS gk, COALESCE(c.gid, a.role_id) AS gid
    FROM chain c
    JOIN $assignment a ON a.person_id = c.person_id
    WHERE c.cyclic = 0 AND $valid_assignment
      AND (c.nk IS NULL OR EXISTS (
            SELECT 1 FROM cover
            WHERE cover.hk = 'r' AND cover.hid = a.role_id
              AND cover.nk = c.nk AND cover.nid = c.nid))
)""")

# One step up the reporting lines valid at T, for walks `up(origin, person_id, depth, persons)`
# that stop before a person already on their path.
PIECES["up_step"] = render("""
    SELECT up.origin, rl.manager_id, up.depth + 1,
           up.persons || CAST(rl.manager_id AS TEXT) || ','
    FROM up JOIN $reportingline rl ON rl.person_id = up.person_id
    WHERE up.depth < %(max_depth)s AND $valid_line
      AND $contains(up.persons, ',' || CAST(rl.manager_id AS TEXT) || ',') = 0""")

# unit_up: the unit `%(unit)s` and every unit above it (none when it is null): the scopes under
# which a question about that unit falls.
PIECES["unit_up"] = render("""
unit_up(id, depth) AS (
    SELECT u.id, 0 FROM $orgunit u WHERE u.id = %(unit)s
    UNION ALL
    SELECT u.parent_id, unit_up.depth + 1
    FROM unit_up JOIN $orgunit u ON u.id = unit_up.id
    WHERE u.parent_id IS NOT NULL AND unit_up.depth < %(max_depth)s
)""")

# --- authorization ----------------------------------------------------------------------------

# check(person, permission, at, unit): the grounded chains tied for best (fewest hops, then
# least weight; the backend breaks the tie on link ids as integers, see `base`), then the cycles
# met on the way. The permission is named by `codename` (or `nid`), so a check costs this one
# statement. A chain counts when its root assignment has no scope or a scope at or above
# `unit`; with `any_scope` = 1 (what a person holds in order to lend it on) every scope counts.
CHECK = Query("""
WITH RECURSIVE $cover, $chain, $unit_up,
in_scope AS (
    SELECT * FROM grounded
    WHERE %(any_scope)s = 1 OR scope_unit_id IS NULL
       OR scope_unit_id IN (SELECT id FROM unit_up)
)
SELECT * FROM (
    SELECT 'proof' AS row_kind, depth, weight, links, assignment_id, gk, gid
    FROM in_scope
    WHERE depth = (SELECT MIN(depth) FROM in_scope)
      AND weight = (SELECT MIN(s.weight) FROM in_scope s
                    WHERE s.depth = (SELECT MIN(depth) FROM in_scope))
) best
UNION ALL
SELECT 'cycle', depth, weight, links, CAST(NULL AS BIGINT), CAST(NULL AS TEXT),
       CAST(NULL AS BIGINT)
FROM chain WHERE cyclic = 1""")

# scope(person, permission, at): where the person holds the permission: 'everywhere' when a
# chain grounds in an unscoped assignment, and every unit in the subtrees of the scoped ones.
SCOPE = Query("""
WITH RECURSIVE $cover, $chain,
subtree(id, depth) AS (
    SELECT u.id, 0 FROM $orgunit u
    WHERE u.id IN (SELECT scope_unit_id FROM grounded)
    UNION
    SELECT u.id, subtree.depth + 1
    FROM subtree JOIN $orgunit u ON u.parent_id = subtree.id
    WHERE subtree.depth < %(max_depth)s
)
SELECT 'everywhere', CAST(NULL AS BIGINT)
WHERE EXISTS (SELECT 1 FROM grounded WHERE scope_unit_id IS NULL)
UNION ALL
SELECT DISTINCT 'unit', id FROM subtree""")

# Everything the origins hold at T: the grants that reached them (the role of an assignment,
# or what the nearest link lent) and, through `cover`, every permission those include; each
# with its fewest hops, the lowest unit among the scoped roots of the chains bringing it, and
# whether one of them is unscoped (the backend decides the scope: `base.held_scope`).
HOLDINGS = Query("""
WITH RECURSIVE $cover, $chain,
held AS (
    SELECT origin, gk, gid, MIN(depth) AS hops, MIN(scope_unit_id) AS scope_unit_id,
           MAX(CASE WHEN scope_unit_id IS NULL THEN 1 ELSE 0 END) AS unscoped
    FROM grounded GROUP BY origin, gk, gid
)
SELECT held.origin, 'role' AS kind, r.code AS name, held.hops, held.scope_unit_id,
       held.unscoped
FROM held JOIN $role r ON held.gk = 'r' AND r.id = held.gid
UNION ALL
SELECT held.origin, 'permission', pm.codename, MIN(held.hops), MIN(held.scope_unit_id),
       MAX(held.unscoped)
FROM held
JOIN cover ON cover.hk = held.gk AND cover.hid = held.gid AND cover.nk = 'p'
JOIN $permission pm ON pm.id = cover.nid
GROUP BY held.origin, pm.codename
ORDER BY 1, 2, 3""")

# The delegations after `after` valid at T that lend the permission or a role including it.
PIECES["lent_after"] = render("""d.delegatee_id > %(after)s AND $lends_valid
              AND (d.permission_id = %(nid)s OR d.role_id IN ($roles))""")

# who_can(permission, at): one page of holders by person id, after the id `after`, costing
# the page and not the whole closure. Every holder is a candidate: they hold an assignment of a
# role in `$roles` (the roles that include the permission), or receive a delegation valid at T
# lending the permission or one of those roles. The first `scan` candidates after `after` come
# from scans in person order that stop at `scan` people. For the delegations, `lent_density`
# first counts (up to `dense`) those valid at T lending the grant, through the valid-until
# indexes; a one-time filter on it runs one branch only: `sparse` reads them through those
# indexes and sorts them (`+ 0`: not by the person-ordered index), `dense` scans in person
# order, meeting a page of them soon. Decided on the count, not by the planner, which takes
# "lends g" and "valid at T" as independent while expired history lends rare grants more
# often than live rows do (README, "who-can pages"). Each candidate is then proved by the
# backwards walk of `check` (`$chain`, any scope), which also gives the fewest hops. The last
# row says how far the candidates went (`scanned`: the last id and how many), so the backend
# asks for more only when fewer holders than a page were among them.
WHO_CAN = Query("""
WITH RECURSIVE $cover,
lent_density(n) AS MATERIALIZED (
    SELECT COUNT(*) FROM (
        SELECT 1 FROM $delegation d WHERE $lent_after LIMIT %(dense)s) probe
),
candidates(person_id) AS (
    SELECT person_id FROM (
        SELECT person_id FROM (
            SELECT DISTINCT a.person_id FROM $assignment a
            WHERE a.person_id > %(after)s AND a.role_id IN ($roles) AND $valid_assignment
            ORDER BY a.person_id LIMIT %(scan)s) assigned
        UNION
        SELECT person_id FROM (
            SELECT d.delegatee_id + 0 AS person_id FROM $delegation d
            WHERE $lent_after GROUP BY 1 ORDER BY 1 LIMIT %(scan)s) sparse
        WHERE (SELECT n FROM lent_density) < %(dense)s
        UNION
        SELECT person_id FROM (
            SELECT DISTINCT d.delegatee_id AS person_id FROM $delegation d
            WHERE $lent_after ORDER BY d.delegatee_id LIMIT %(scan)s) dense
        WHERE (SELECT n FROM lent_density) >= %(dense)s
    ) candidate
    ORDER BY person_id LIMIT %(scan)s
),
$chain,
page(person_id, hops) AS (
    SELECT origin, MIN(depth) FROM grounded GROUP BY origin
)
SELECT 'holder' AS row_kind, page.person_id, p.given_name || ' ' || p.family_name, page.hops
FROM page JOIN $person p ON p.id = page.person_id
UNION ALL
SELECT 'scanned', MAX(person_id), NULL, COUNT(*) FROM candidates
ORDER BY 1, 2""")
# The origins of who_can's walk: its candidates.
WHO_CAN_ORIGINS = "SELECT person_id FROM candidates"

# The permission named `codename` and every role that includes it (for who_can's `$roles`).
PERMISSION_ROLES = Query("""
WITH RECURSIVE $cover
SELECT pm.id, cover.hid FROM $permission pm
LEFT JOIN cover ON cover.hk = 'r' AND cover.nk = 'p' AND cover.nid = pm.id
WHERE pm.codename = %(codename)s
ORDER BY cover.hid""")

# paths(source, target, at): simple chains forwards from the source, each link valid at T,
# inside the limits of the links before it, lending no more than the previous link lent and,
# with a permission, carrying it; the backend ranks them (`base.rank_chains`).
PATHS = Query("""
WITH RECURSIVE $cover,
walk(person_id, gk, gid, budget, hops, weight, links, persons) AS (
    SELECT d.delegatee_id, $grant_kind, $grant_id,
           CAST(d.max_redelegations AS INTEGER), 1, CAST(d.weight AS INTEGER),
           ',' || CAST(d.id AS TEXT) || ',',
           ',' || CAST(d.delegator_id AS TEXT) || ',' || CAST(d.delegatee_id AS TEXT) || ','
    FROM $delegation d
    WHERE d.delegator_id = %(source)s AND $valid_delegation
      AND (CAST(%(nid)s AS BIGINT) IS NULL OR EXISTS (
            SELECT 1 FROM cover WHERE cover.hk = $grant_kind AND cover.hid = $grant_id
              AND cover.nk = 'p' AND cover.nid = %(nid)s))
    UNION ALL
    SELECT d.delegatee_id, $grant_kind, $grant_id,
           CASE WHEN w.budget - 1 < d.max_redelegations THEN w.budget - 1
                ELSE d.max_redelegations END,
           w.hops + 1, w.weight + d.weight,
           w.links || CAST(d.id AS TEXT) || ',',
           w.persons || CAST(d.delegatee_id AS TEXT) || ','
    FROM walk w
    $delegations_from
    WHERE w.person_id <> %(target)s AND w.budget >= 1 AND w.hops < %(max_chain)s
      AND $contains(w.persons, ',' || CAST(d.delegatee_id AS TEXT) || ',') = 0
      AND $valid_delegation
      AND EXISTS (SELECT 1 FROM cover WHERE cover.hk = w.gk AND cover.hid = w.gid
                  AND cover.nk = $grant_kind AND cover.nid = $grant_id)
      AND (CAST(%(nid)s AS BIGINT) IS NULL OR EXISTS (
            SELECT 1 FROM cover WHERE cover.hk = $grant_kind AND cover.hid = $grant_id
              AND cover.nk = 'p' AND cover.nid = %(nid)s))
)
SELECT hops, weight, links FROM walk WHERE person_id = %(target)s""")

# The grant edges of the role graph, for drawing proofs (small: roles are few).
ROLE_EDGES = Query("""
SELECT 'inherits', r.id, r.code, parent.id, parent.code
FROM $role_inheritance ri
JOIN $role r ON r.id = ri.role_id
JOIN $role parent ON parent.id = ri.parent_id
UNION ALL
SELECT 'grants', r.id, r.code, pm.id, pm.codename
FROM $role_permission rp
JOIN $role r ON r.id = rp.role_id
JOIN $permission pm ON pm.id = rp.permission_id""")

# Everyone who may hold something through the seeds (for cache invalidation): forwards
# through unrevoked delegations at any time, only while the re-delegation budget allows.
DOWNSTREAM = Query("""
WITH RECURSIVE reach(person_id, budget) AS (
    SELECT p.id, CAST(%(budget)s AS INTEGER) FROM $person p WHERE p.id IN ($origins)
    UNION
    SELECT d.delegatee_id,
           CASE WHEN reach.budget - 1 < d.max_redelegations THEN reach.budget - 1
                ELSE d.max_redelegations END
    FROM reach JOIN $delegation d ON d.delegator_id = reach.person_id
    WHERE reach.budget >= 1 AND d.revoked_at IS NULL
)
SELECT DISTINCT person_id FROM reach""")

# --- org chart --------------------------------------------------------------------------------

# Managers of each origin, nearest first (depth 1 = direct manager).
MANAGER_CHAINS = Query("""
WITH RECURSIVE up(origin, person_id, depth, persons) AS (
    SELECT rl.person_id, rl.manager_id, 1,
           ',' || CAST(rl.person_id AS TEXT) || ',' || CAST(rl.manager_id AS TEXT) || ','
    FROM $reportingline rl
    WHERE rl.person_id IN ($origins) AND $valid_line
    UNION ALL
$up_step
)
SELECT up.origin, p.id, p.given_name || ' ' || p.family_name AS name, up.depth,
       p.family_name, p.given_name
FROM up JOIN $person p ON p.id = up.person_id
ORDER BY up.origin, up.depth, p.id""")

# Reports of each origin, with depth (1 = direct) and their own manager.
REPORTS = Query("""
WITH RECURSIVE down(origin, person_id, manager_id, depth, persons) AS (
    SELECT rl.manager_id, rl.person_id, rl.manager_id, 1,
           ',' || CAST(rl.manager_id AS TEXT) || ',' || CAST(rl.person_id AS TEXT) || ','
    FROM $reportingline rl
    WHERE rl.manager_id IN ($origins) AND $valid_line
    UNION ALL
    SELECT down.origin, rl.person_id, rl.manager_id, down.depth + 1,
           down.persons || CAST(rl.person_id AS TEXT) || ','
    FROM down JOIN $reportingline rl ON rl.manager_id = down.person_id
    WHERE down.depth < %(max_depth)s AND $valid_line
      AND $contains(down.persons, ',' || CAST(rl.person_id AS TEXT) || ',') = 0
)
SELECT down.origin, p.id, p.given_name || ' ' || p.family_name AS name, down.depth,
       down.manager_id, p.family_name, p.given_name
FROM down JOIN $person p ON p.id = down.person_id
ORDER BY down.origin, down.depth, p.id""")

# Both people's chains including themselves (depth 0); the shared manager nearest to both.
LOWEST_COMMON_MANAGER = Query("""
WITH RECURSIVE up(origin, person_id, depth, persons) AS (
    SELECT p.id, p.id, 0, ',' || CAST(p.id AS TEXT) || ','
    FROM $person p WHERE p.id IN (%(a)s, %(b)s)
    UNION ALL
$up_step
)
SELECT p.id, p.given_name || ' ' || p.family_name AS name, ua.depth AS depth_a,
       ub.depth AS depth_b
FROM up ua
JOIN up ub ON ub.person_id = ua.person_id AND ub.origin = %(b)s
JOIN $person p ON p.id = ua.person_id
WHERE ua.origin = %(a)s
ORDER BY ua.depth + ub.depth, ua.depth, p.id
LIMIT 1""")

# The unit tree under `root` (the top units when null), with the number of people directly in
# each unit; the backend orders it depth-first (`base.depth_first`, independent of collation).
UNIT_TREE = Query("""
WITH RECURSIVE tree(id, code, name, parent_id, depth) AS (
    SELECT u.id, u.code, u.name, u.parent_id, 0
    FROM $orgunit u
    WHERE (CAST(%(root)s AS BIGINT) IS NULL AND u.parent_id IS NULL) OR u.id = %(root)s
    UNION ALL
    SELECT u.id, u.code, u.name, u.parent_id, tree.depth + 1
    FROM tree JOIN $orgunit u ON u.parent_id = tree.id
    WHERE tree.depth < %(max_depth)s
)
SELECT tree.id, tree.code, tree.name, tree.parent_id, tree.depth,
       (SELECT COUNT(*) FROM $person p WHERE p.org_unit_id = tree.id) AS people
FROM tree ORDER BY tree.id""")

# Whether `target` is `start` or above it through reporting lines overlapping [start_at, end):
# adding `target` -> `start` as a line in that window would close a cycle.
REPORTING_REACH = Query("""
WITH RECURSIVE up(person_id, depth) AS (
    SELECT CAST(%(start)s AS BIGINT), 0
    UNION
    SELECT rl.manager_id, up.depth + 1
    FROM up JOIN $reportingline rl ON rl.person_id = up.person_id
    WHERE up.depth < %(max_depth)s
      AND (CAST(%(end)s AS TIMESTAMP) IS NULL OR rl.valid_from < %(end)s)
      AND (rl.valid_to IS NULL OR rl.valid_to > %(start_at)s)
)
SELECT COUNT(*) FROM up WHERE person_id = %(target)s""")

# Reporting cycles at T (which services refuse, but a table edited by hand may hold): walks up
# from everyone and stops at the first repeated person; a walk that meets its origin is a cycle.
REPORTING_CYCLES = Query("""
WITH RECURSIVE up(origin, person_id, depth, persons) AS (
    SELECT rl.person_id, rl.manager_id, 1,
           ',' || CAST(rl.person_id AS TEXT) || ',' || CAST(rl.manager_id AS TEXT) || ','
    FROM $reportingline rl WHERE $valid_line
    UNION ALL
    SELECT up.origin, rl.manager_id, up.depth + 1,
           up.persons || CAST(rl.manager_id AS TEXT) || ','
    FROM up JOIN $reportingline rl ON rl.person_id = up.person_id
    WHERE up.depth < %(max_depth)s AND up.person_id <> up.origin AND $valid_line
)
SELECT origin, persons FROM up WHERE person_id = origin ORDER BY origin LIMIT 20""")
