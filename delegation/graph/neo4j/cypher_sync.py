"""Cypher that projects outbox events into the graph: one UNWIND statement per event kind.

Upserts MERGE on the element's SQL key and SET every property, so applying an event twice
leaves the same graph; deletes are no-ops when the element is already gone. Edges MERGE their
end nodes by key too, so events may arrive in any order and still meet. Positions (below) make
the order of arrival irrelevant: only the newest event of an element shows.
"""

from __future__ import annotations

# Every upsert row and delete row carries `pos`, the outbox position (event id) it comes from.
# An element keeps the position of the last event applied to it, a deleted one leaves a
# Tombstone with the position of its delete, and a row applies only when it is not older than
# what the graph holds: drains, retries and rebuilds may interleave in any order and converge.
NOT_DELETED_LATER = """
OPTIONAL MATCH (gone:Tombstone {{element: '{element}', sql_id: row.id}})
WITH row WHERE gone IS NULL OR gone.pos < row.pos"""
NOT_NEWER = "WITH {var}, row WHERE coalesce({var}.pos, -1) <= row.pos"


def _upsert(element: str, var: str, merges: str, sets: str, after: str = "") -> str:
    return (
        "\nUNWIND $rows AS row"
        + NOT_DELETED_LATER.format(element=element)
        + "\n"
        + merges.strip()
        + "\n"
        + NOT_NEWER.format(var=var)
        + f"\nSET {sets}, {var}.pos = row.pos"
        + after
    )


UPSERT = {
    "person": _upsert(
        "person",
        "p",
        "MERGE (p:Person {sql_id: row.id})",
        "p.name = row.name, p.given_name = row.given_name, p.family_name = row.family_name,"
        " p.email = row.email, p.active = row.active",
        """
WITH p, row
OPTIONAL MATCH (p)-[old:MEMBER_OF]->(:OrgUnit)
DELETE old
WITH DISTINCT p, row
WHERE row.org_unit_id IS NOT NULL
MERGE (u:OrgUnit {sql_id: row.org_unit_id})
MERGE (p)-[:MEMBER_OF]->(u)""",
    ),
    "unit": _upsert(
        "unit",
        "u",
        "MERGE (u:OrgUnit {sql_id: row.id})",
        "u.code = row.code, u.name = row.name",
        """
WITH u, row
OPTIONAL MATCH (u)-[old:PART_OF]->(:OrgUnit)
DELETE old
WITH DISTINCT u, row
WHERE row.parent_id IS NOT NULL
MERGE (parent:OrgUnit {sql_id: row.parent_id})
MERGE (u)-[:PART_OF]->(parent)""",
    ),
    "reporting_line": _upsert(
        "reporting_line",
        "r",
        """
MERGE (p:Person {sql_id: row.person_id})
MERGE (m:Person {sql_id: row.manager_id})
MERGE (p)-[r:REPORTS_TO {line_id: row.id}]->(m)""",
        "r.valid_from = row.valid_from, r.valid_to = row.valid_to",
    ),
    "permission": _upsert(
        "permission",
        "p",
        "MERGE (p:Permission {sql_id: row.id})",
        "p.codename = row.codename",
    ),
    "role": _upsert(
        "role", "r", "MERGE (r:Role {sql_id: row.id})", "r.code = row.code, r.name = row.name"
    ),
    "role_permission": _upsert(
        "role_permission",
        "g",
        """
MERGE (r:Role {sql_id: row.role_id})
MERGE (p:Permission {sql_id: row.permission_id})
MERGE (r)-[g:GRANTS {edge_id: row.id}]->(p)""",
        "g.role_id = row.role_id",
    ),
    "role_inheritance": _upsert(
        "role_inheritance",
        "i",
        """
MERGE (r:Role {sql_id: row.role_id})
MERGE (parent:Role {sql_id: row.parent_id})
MERGE (r)-[i:INHERITS {edge_id: row.id}]->(parent)""",
        "i.role_id = row.role_id",
    ),
    "assignment": _upsert(
        "assignment",
        "a",
        """
MERGE (p:Person {sql_id: row.person_id})
MERGE (r:Role {sql_id: row.role_id})
MERGE (p)-[a:HAS_ROLE {assignment_id: row.id}]->(r)""",
        "a.valid_from = row.valid_from, a.valid_to = row.valid_to,"
        " a.scope_unit = row.scope_unit_id",
    ),
    "delegation": _upsert(
        "delegation",
        "d",
        """
MERGE (a:Person {sql_id: row.delegator_id})
MERGE (b:Person {sql_id: row.delegatee_id})
MERGE (a)-[d:DELEGATES {delegation_id: row.id}]->(b)""",
        """d.grant = row.grant, d.valid_from = row.valid_from, d.expires_at = row.expires_at,
    d.revoked_at = row.revoked_at, d.weight = row.weight,
    d.max_redelegations = row.max_redelegations""",
    ),
}

# Deletes: nodes by sql_id (with their edges), edges by their key property; each leaves a
# Tombstone carrying the delete's position, so an older upsert arriving later stays refused.
NODE_LABELS = {"person": "Person", "unit": "OrgUnit", "permission": "Permission", "role": "Role"}
EDGE_KEYS = {
    "reporting_line": ("REPORTS_TO", "line_id"),
    "role_permission": ("GRANTS", "edge_id"),
    "role_inheritance": ("INHERITS", "edge_id"),
    "assignment": ("HAS_ROLE", "assignment_id"),
    "delegation": ("DELEGATES", "delegation_id"),
}
TOMBSTONE = """
MERGE (t:Tombstone {{element: '{element}', sql_id: row.id}})
SET t.pos = CASE WHEN t.pos IS NULL OR t.pos < row.pos THEN row.pos ELSE t.pos END"""


def _delete(element: str, match: str, remove: str) -> str:
    return f"""
UNWIND $rows AS row
OPTIONAL MATCH {match}
WITH row, n WHERE n IS NULL OR coalesce(n.pos, -1) <= row.pos
FOREACH (gone IN CASE WHEN n IS NULL THEN [] ELSE [n] END | {remove} gone)""" + TOMBSTONE.format(
        element=element
    )


DELETE = {
    **{
        element: _delete(element, f"(n:{label} {{sql_id: row.id}})", "DETACH DELETE")
        for element, label in NODE_LABELS.items()
    },
    **{
        element: _delete(element, f"()-[n:{rel} {{{key}: row.id}}]->()", "DELETE")
        for element, (rel, key) in EDGE_KEYS.items()
    },
}

# What graph_verify compares with SQL: the keys present in the graph for each element.
KEYS = {
    **{
        element: f"MATCH (n:{label}) RETURN n.sql_id AS id"
        for element, label in NODE_LABELS.items()
    },
    **{
        element: f"MATCH ()-[e:{rel}]->() RETURN e.{key} AS id"
        for element, (rel, key) in EDGE_KEYS.items()
    },
}

# Placeholder nodes MERGEd by an edge whose own row never arrived: orphans.
ORPHANS = """
MATCH (n) WHERE (n:Person AND n.name IS NULL) OR (n:Role AND n.code IS NULL)
   OR (n:Permission AND n.codename IS NULL) OR (n:OrgUnit AND n.code IS NULL)
RETURN labels(n)[0] AS label, n.sql_id AS id"""

REPORTING_CYCLES = """
MATCH path = (p:Person)-[:REPORTS_TO*1..64]->(p)
WHERE all(r IN relationships(path) WHERE r.valid_from <= $at
          AND (r.valid_to IS NULL OR r.valid_to > $at))
RETURN [n IN nodes(path) | n.sql_id] AS cycle
ORDER BY size(cycle), cycle LIMIT 20"""

INHERITANCE_CYCLES = """
MATCH path = (r:Role)-[:INHERITS*1..32]->(r)
RETURN [n IN nodes(path) | n.sql_id] AS cycle LIMIT 20"""

# The applied watermark (`delegation.graph.watermark`): one node, never lowered by a write but
# reset to 0 by a rebuild. `holders` is a comma-separated text: the transactions a candidate
# waits for.
WATERMARK_READ = """
MATCH (w:Watermark {name: 'outbox'})
RETURN w.pos AS pos, w.candidate AS candidate, w.holders AS holders"""
WATERMARK_WRITE = """
MERGE (w:Watermark {name: 'outbox'})
SET w.pos = CASE WHEN w.pos IS NULL OR w.pos < $pos THEN $pos ELSE w.pos END,
    w.candidate = $candidate, w.holders = $holders"""
WATERMARK_RESET = """
MERGE (w:Watermark {name: 'outbox'})
SET w.pos = 0, w.candidate = null, w.holders = ''"""

# What graph_verify hashes per element (`delegation.graph.verify`): the properties the upsert
# sets and the element's ends, under the names of the outbox payload, so that the same dict
# comes from a SQL row (through `projector.graph_row`) and from the graph. A person's unit and
# a unit's parent are lists here: a corrupt graph may hold two.
VERIFIED_FIELDS = {
    "person": ("name", "given_name", "family_name", "email", "active", "org_unit_id"),
    "unit": ("code", "name", "parent_id"),
    "reporting_line": ("person_id", "manager_id", "valid_from", "valid_to"),
    "permission": ("codename",),
    "role": ("code", "name"),
    "role_permission": ("role_id", "permission_id"),
    "role_inheritance": ("role_id", "parent_id"),
    "assignment": ("person_id", "role_id", "valid_from", "valid_to", "scope_unit_id"),
    "delegation": (
        "delegator_id",
        "delegatee_id",
        "grant",
        "valid_from",
        "expires_at",
        "revoked_at",
        "weight",
        "max_redelegations",
    ),
}
LIST_FIELDS = {"person": "org_unit_id", "unit": "parent_id"}
# The ends of each edge element, as payload names: (start node's, end node's).
EDGE_ENDS = {
    "reporting_line": ("person_id", "manager_id"),
    "role_permission": ("role_id", "permission_id"),
    "role_inheritance": ("role_id", "parent_id"),
    "assignment": ("person_id", "role_id"),
    "delegation": ("delegator_id", "delegatee_id"),
}
# Payload names the graph stores under another property name.
GRAPH_NAMES = {("assignment", "scope_unit_id"): "scope_unit"}


def _verify_node(element: str, label: str) -> str:
    fields = [name for name in VERIFIED_FIELDS[element] if name != LIST_FIELDS.get(element)]
    listed = {"person": "(n)-[:MEMBER_OF]->(x:OrgUnit)", "unit": "(n)-[:PART_OF]->(x:OrgUnit)"}
    optional = f"\nOPTIONAL MATCH {listed[element]}" if element in listed else ""
    columns = ", ".join(f"n.{name} AS {name}" for name in fields)
    collected = f", collect(x.sql_id) AS {LIST_FIELDS[element]}" if element in listed else ""
    return f"""
MATCH (n:{label}){optional}
RETURN n.sql_id AS id, n.pos AS pos, {columns}{collected}"""


def _verify_edge(element: str) -> str:
    rel, key = EDGE_KEYS[element]
    start, end = EDGE_ENDS[element]
    props = [name for name in VERIFIED_FIELDS[element] if name not in (start, end)]
    columns = "".join(f", e.{GRAPH_NAMES.get((element, name), name)} AS {name}" for name in props)
    return f"""
MATCH (a)-[e:{rel}]->(b)
RETURN e.{key} AS id, e.pos AS pos, a.sql_id AS {start}, b.sql_id AS {end}{columns}"""


VERIFY = {
    **{element: _verify_node(element, label) for element, label in NODE_LABELS.items()},
    **{element: _verify_edge(element) for element in EDGE_KEYS},
}


def missing_required(kind: str, name: str, prop: str) -> str:
    """The keys of the nodes (kind `node`, label `name`) or edges (`edge`, type `name`) that
    lack required property `prop`."""
    if kind == "node":
        return f"MATCH (n:{name}) WHERE n.{prop} IS NULL RETURN n.sql_id AS id"
    key = dict(EDGE_KEYS.values())[name]
    return f"MATCH ()-[e:{name}]->() WHERE e.{prop} IS NULL RETURN e.{key} AS id"


def existence_constraints(required: list[tuple[str, str, str]]) -> list[str]:
    """Neo4j 5 Enterprise property existence constraints, one per required property
    (Community refuses them)."""
    statements = []
    for kind, name, prop in required:
        pattern = f"(n:{name})" if kind == "node" else f"()-[n:{name}]-()"
        label = f"{name.lower()}_{prop}_exists"
        statements.append(
            f"CREATE CONSTRAINT {label} IF NOT EXISTS FOR {pattern} REQUIRE n.{prop} IS NOT NULL"
        )
    return statements


# What the node and edge classes cannot declare: the keys the projection MERGEs its markers on
# (a tombstone per deleted element, the one watermark), and range indexes on the relationship
# properties the expansions filter on (README lists what each serves). Named and IF NOT
# EXISTS, so installing twice is harmless.
SCHEMA = [
    "CREATE CONSTRAINT tombstone_key IF NOT EXISTS FOR (t:Tombstone)"
    " REQUIRE (t.element, t.sql_id) IS UNIQUE",
    "CREATE CONSTRAINT watermark_name IF NOT EXISTS FOR (w:Watermark) REQUIRE w.name IS UNIQUE",
    "CREATE INDEX delegates_validity IF NOT EXISTS FOR ()-[d:DELEGATES]-()"
    " ON (d.valid_from, d.expires_at, d.revoked_at)",
    "CREATE INDEX has_role_validity IF NOT EXISTS FOR ()-[a:HAS_ROLE]-()"
    " ON (a.valid_from, a.valid_to)",
    "CREATE INDEX reports_to_validity IF NOT EXISTS FOR ()-[r:REPORTS_TO]-()"
    " ON (r.valid_from, r.valid_to)",
]
