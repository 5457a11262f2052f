"""Cypher for authorization: check, who-can, holdings (what-can), delegation paths.

Plain Neo4j 5, parameterised. Grants are text keys (`r:<role id>`, `p:<permission id>`);
`$cover` lists `"<grant>><included grant>"` pairs computed from the role graph (ROLE_EDGES),
so "a covers b" is `a = b OR a + '>' + b IN $cover`. A path `(source)-[:DELEGATES*]->(target)`
counts at `$at` when every link is valid and unrevoked, link i leaves room for the links after
it (`max_redelegations >= size(links) - 1 - i`), each link lends what the previous one lent
(or less), and no person appears twice (a repeated person is a cycle: reported, not followed).
"""

from __future__ import annotations

ROLE_EDGES = """
MATCH (r:Role)-[:INHERITS]->(parent:Role)
RETURN 'inherits' AS kind, r.sql_id AS role_id, r.code AS role_code,
       parent.sql_id AS target_id, parent.code AS target_name
UNION ALL
MATCH (r:Role)-[:GRANTS]->(p:Permission)
RETURN 'grants' AS kind, r.sql_id AS role_id, r.code AS role_code,
       p.sql_id AS target_id, p.codename AS target_name
UNION ALL
MATCH (r:Role)
RETURN 'role' AS kind, r.sql_id AS role_id, r.code AS role_code,
       null AS target_id, null AS target_name"""

PERMISSION_KEY = "MATCH (p:Permission {codename: $codename}) RETURN 'p:' + toString(p.sql_id)"


def covers(holder: str, need: str) -> str:
    return f"(({holder}) = ({need}) OR (({holder}) + '>' + ({need})) IN $cover)"


# Pruning while expanding: what each link must satisfy on its own (valid and unrevoked at $at,
# and, where the question names a permission, lending something that covers it) is the WHERE
# inside a quantified path pattern, which Neo4j 5 evaluates while it traverses: a lapsed
# delegation stops the expansion there, so expired history does not grow the work (a WHERE over
# `relationships(path)` after a `-[:DELEGATES*]-` pattern was applied only after every path had
# been enumerated; `test_graph_plans.py` holds the plans to this). What depends on a link's
# position (its re-delegation budget, what the link before it lent) follows in the next WHERE.
LINK_OK = (
    "d.valid_from <= $at AND (d.expires_at IS NULL OR d.expires_at > $at)"
    " AND (d.revoked_at IS NULL OR d.revoked_at > $at)"
)


def chain(start: str, end: str, fewest: int, extra: str = "") -> str:
    """`path`: from node pattern `start` to `end` over `fewest` to {max_chain} DELEGATES links,
    each valid at $at (and satisfying `extra` about the link `d`) as the traversal goes."""
    where = LINK_OK + (f" AND {extra}" if extra else "")
    return f"path = {start}(()-[d:DELEGATES WHERE {where}]->()){{{fewest},{{max_chain}}}}{end}"


LINK_VALID = "links[i].max_redelegations >= size(links) - 1 - i + {min_budget}"
SIMPLE = (
    "all(j IN range(0, size(nodes(path)) - 2) WHERE NOT nodes(path)[j] IN nodes(path)[j + 1..])"
)
ASSIGNMENT_VALID = "a.valid_from <= $at AND (a.valid_to IS NULL OR a.valid_to > $at)"
CHAIN_LINKS = (
    "all(i IN range(0, size(links) - 1) WHERE "
    + LINK_VALID
    + "\n        AND "
    + covers(
        "links[i].grant", "CASE WHEN i = size(links) - 1 THEN $need ELSE links[i + 1].grant END"
    )
    + ")"
)
LINK_FIELDS = """[l IN links | {id: l.delegation_id, delegator_id: startNode(l).sql_id,
        delegatee_id: endNode(l).sql_id, grant: l.grant, valid_from: l.valid_from,
        expires_at: l.expires_at, revoked_at: l.revoked_at, weight: l.weight,
        max_redelegations: l.max_redelegations}]"""

# An assignment counts for a question about unit $unit when it has no scope or its scope is
# $unit or above it (PART_OF points at the parent); with $unit null, only unscoped ones count.
# The units at and above $unit are collected once, first (`units_up`), rather than walked again
# for every assignment found.
UNITS_UP = """OPTIONAL MATCH (:OrgUnit {sql_id: $unit})-[:PART_OF*0..64]->(up:OrgUnit)
WITH collect(up.sql_id) AS units_up"""
IN_SCOPE = "(a.scope_unit IS NULL OR a.scope_unit IN units_up)"

# The proofs that $person holds $need within $unit's scope tied for best: fewest hops, then
# least weight; the backend picks one of them by `base.proof_key`, as the SQL backend does.
CHECK = (
    UNITS_UP
    + """
MATCH """
    + chain("(source:Person)", "(:Person {sql_id: $person})", 0, covers("d.grant", "$need"))
    + """
WITH path, source, relationships(path) AS links, units_up
WHERE """
    + SIMPLE
    + "\n  AND "
    + CHAIN_LINKS.replace("{min_budget}", "$min_budget")
    + """
WITH source, links, units_up,
     CASE WHEN size(links) = 0 THEN $need ELSE links[0].grant END AS top
MATCH (source)-[a:HAS_ROLE]->(role:Role)
WHERE """
    + ASSIGNMENT_VALID
    + " AND "
    + IN_SCOPE
    + "\n  AND "
    + covers("'r:' + toString(role.sql_id)", "top")
    + """
WITH size(links) AS hops, reduce(w = 0, l IN links | w + l.weight) AS weight,
     {assignment_id: a.assignment_id, person_id: source.sql_id, role_id: role.sql_id,
      valid_from: a.valid_from, valid_to: a.valid_to, chain: """
    + LINK_FIELDS
    + """} AS proof
WITH hops, weight, collect(proof) AS tied
RETURN hops, weight, tied
ORDER BY hops, weight
LIMIT 1"""
)

# Where $person holds $need: the scope of every assignment at the root of a valid chain (null:
# unscoped, so everywhere) with the units at and below it (PART_OF points at the parent).
SCOPE = (
    """
MATCH """
    + chain("(source:Person)", "(:Person {sql_id: $person})", 0, covers("d.grant", "$need"))
    + """
WITH path, source, relationships(path) AS links
WHERE """
    + SIMPLE
    + "\n  AND "
    + CHAIN_LINKS.replace("{min_budget}", "0")
    + """
WITH source, CASE WHEN size(links) = 0 THEN $need ELSE links[0].grant END AS top
MATCH (source)-[a:HAS_ROLE]->(role:Role)
WHERE """
    + ASSIGNMENT_VALID
    + "\n  AND "
    + covers("'r:' + toString(role.sql_id)", "top")
    + """
WITH DISTINCT a.scope_unit AS scope
OPTIONAL MATCH (below:OrgUnit)-[:PART_OF*0..{max_depth}]->(:OrgUnit {sql_id: scope})
RETURN scope, collect(DISTINCT below.sql_id) AS units"""
)

# Chains into $person whose farthest delegator appears again on them (every other person
# once): the cycles the check met and did not follow.
CYCLES = (
    """
MATCH """
    + chain("(again:Person)", "(:Person {sql_id: $person})", 1, covers("d.grant", "$need"))
    + """
WITH path, again, relationships(path) AS links
WHERE again IN nodes(path)[1..]
  AND all(j IN range(1, size(nodes(path)) - 2) WHERE NOT nodes(path)[j] IN nodes(path)[j + 1..])
  AND """
    + CHAIN_LINKS.replace("{min_budget}", "0")
    + """
WITH [l IN links | l.delegation_id] AS cycle
RETURN cycle
ORDER BY size(cycle), cycle
LIMIT 20"""
)

# Holders of $need, one hop at a time (`Neo4jGraphBackend.who_can` keeps the frontier): first
# the people whose valid assignment covers it, then, from each frontier person and the grant
# they hold, every valid link that lends something covered by that grant and covering $need,
# leaving `room`: the re-delegations still allowed after it (an assignment's `room` is null:
# unlimited; every link must leave room for the links after it), the most per person and grant.
# A path per holder would be enumerated instead by one variable-length MATCH: millions for a
# permission thousands hold.
WHO_CAN_ROOTS = (
    """
MATCH (source:Person)-[a:HAS_ROLE]->(role:Role)
WHERE """
    + ASSIGNMENT_VALID
    + " AND "
    + covers("'r:' + toString(role.sql_id)", "$need")
    + """
RETURN DISTINCT source.sql_id AS person, 'r:' + toString(role.sql_id) AS grant"""
)
WHO_CAN_STEP = (
    """
UNWIND $frontier AS held
MATCH (:Person {sql_id: held.person})-[d:DELEGATES]->(next:Person)
WHERE """
    + LINK_OK
    + "\n  AND "
    + covers("d.grant", "$need")
    + " AND "
    + covers("held.grant", "d.grant")
    + """
WITH next, d.grant AS grant,
     CASE WHEN held.room IS NULL OR held.room - 1 > d.max_redelegations
          THEN d.max_redelegations ELSE held.room - 1 END AS room
RETURN next.sql_id AS person, grant, max(room) AS room"""
)
PEOPLE_NAMES = "MATCH (p:Person) WHERE p.sql_id IN $ids RETURN p.sql_id AS id, p.name AS name"

# What reached each of $ids: the grant of the nearest link (or the assigned role), its fewest
# hops, the lowest unit among the scoped roots of the chains bringing it and whether one of
# them is unscoped (the backend decides the scope: `base.held_scope`).
HOLDINGS = (
    """
UNWIND $ids AS origin
MATCH """
    + chain("(source:Person)", "(:Person {sql_id: origin})", 0)
    + """
WITH origin, path, source, relationships(path) AS links
WHERE """
    + SIMPLE
    + """
  AND all(i IN range(0, size(links) - 1) WHERE """
    + LINK_VALID.replace("{min_budget}", "0")
    + "\n        AND (i = size(links) - 1 OR "
    + covers("links[i].grant", "links[i + 1].grant")
    + """))
MATCH (source)-[a:HAS_ROLE]->(role:Role)
WHERE """
    + ASSIGNMENT_VALID
    + " AND (size(links) = 0 OR "
    + covers("'r:' + toString(role.sql_id)", "links[0].grant")
    + """)
WITH origin,
     CASE WHEN size(links) = 0 THEN 'r:' + toString(role.sql_id) ELSE links[-1].grant END AS held,
     size(links) AS hops, a.scope_unit AS scope
RETURN origin, held, min(hops) AS hops, min(scope) AS scoped,
       max(CASE WHEN scope IS NULL THEN 1 ELSE 0 END) AS unscoped
ORDER BY origin, held"""
)

# Every simple chain from $source to $target valid at $at (optionally carrying $need).
PATHS = (
    """
MATCH """
    + chain(
        "(:Person {sql_id: $source})",
        "(:Person {sql_id: $target})",
        1,
        "($need IS NULL OR " + covers("d.grant", "$need") + ")",
    )
    + """
WITH path, relationships(path) AS links
WHERE """
    + SIMPLE
    + """
  AND all(i IN range(0, size(links) - 1) WHERE """
    + LINK_VALID.replace("{min_budget}", "0")
    + "\n        AND (i = 0 OR "
    + covers("links[i - 1].grant", "links[i].grant")
    + """))
RETURN """
    + LINK_FIELDS
    + """ AS chain, size(links) AS hops, reduce(w = 0, l IN links | w + l.weight) AS weight"""
)


def bounded(query: str, max_chain: int, max_depth: int = 64) -> str:
    """Variable-length bounds cannot be parameters in Cypher; they are our own integers."""
    return query.replace("{max_chain}", str(int(max_chain))).replace(
        "{max_depth}", str(int(max_depth))
    )
