"""Cypher that projects outbox events into the graph: one UNWIND statement per event kind.

Upserts MERGE on the element's SQL key and SET every property, so applying an event twice
leaves the same graph; deletes are no-ops when the element is already gone. Edges MERGE their
end nodes by key too, so events may arrive in any order and still meet.
"""

from __future__ import annotations

UPSERT = {
    "person": """
UNWIND $rows AS row
MERGE (p:Person {sql_id: row.id})
SET p.name = row.name, p.email = row.email, p.active = row.active
WITH p, row
OPTIONAL MATCH (p)-[old:MEMBER_OF]->(:OrgUnit)
DELETE old
WITH DISTINCT p, row
WHERE row.org_unit_id IS NOT NULL
MERGE (u:OrgUnit {sql_id: row.org_unit_id})
MERGE (p)-[:MEMBER_OF]->(u)""",
    "unit": """
UNWIND $rows AS row
MERGE (u:OrgUnit {sql_id: row.id})
SET u.code = row.code, u.name = row.name
WITH u, row
OPTIONAL MATCH (u)-[old:PART_OF]->(:OrgUnit)
DELETE old
WITH DISTINCT u, row
WHERE row.parent_id IS NOT NULL
MERGE (parent:OrgUnit {sql_id: row.parent_id})
MERGE (u)-[:PART_OF]->(parent)""",
    "reporting_line": """
UNWIND $rows AS row
MERGE (p:Person {sql_id: row.person_id})
MERGE (m:Person {sql_id: row.manager_id})
MERGE (p)-[r:REPORTS_TO {line_id: row.id}]->(m)
SET r.valid_from = row.valid_from, r.valid_to = row.valid_to""",
    "permission": """
UNWIND $rows AS row
MERGE (p:Permission {sql_id: row.id})
SET p.codename = row.codename""",
    "role": """
UNWIND $rows AS row
MERGE (r:Role {sql_id: row.id})
SET r.code = row.code, r.name = row.name""",
    "role_permission": """
UNWIND $rows AS row
MERGE (r:Role {sql_id: row.role_id})
MERGE (p:Permission {sql_id: row.permission_id})
MERGE (r)-[:GRANTS {edge_id: row.id}]->(p)""",
    "role_inheritance": """
UNWIND $rows AS row
MERGE (r:Role {sql_id: row.role_id})
MERGE (parent:Role {sql_id: row.parent_id})
MERGE (r)-[:INHERITS {edge_id: row.id}]->(parent)""",
    "assignment": """
UNWIND $rows AS row
MERGE (p:Person {sql_id: row.person_id})
MERGE (r:Role {sql_id: row.role_id})
MERGE (p)-[a:HAS_ROLE {assignment_id: row.id}]->(r)
SET a.valid_from = row.valid_from, a.valid_to = row.valid_to, a.scope_unit = row.scope_unit_id""",
    "delegation": """
UNWIND $rows AS row
MERGE (a:Person {sql_id: row.delegator_id})
MERGE (b:Person {sql_id: row.delegatee_id})
MERGE (a)-[d:DELEGATES {delegation_id: row.id}]->(b)
SET d.grant = row.grant, d.valid_from = row.valid_from, d.expires_at = row.expires_at,
    d.revoked_at = row.revoked_at, d.weight = row.weight,
    d.max_redelegations = row.max_redelegations""",
}

# Deletes: nodes by sql_id (with their edges), edges by their key property.
NODE_LABELS = {"person": "Person", "unit": "OrgUnit", "permission": "Permission", "role": "Role"}
EDGE_KEYS = {
    "reporting_line": ("REPORTS_TO", "line_id"),
    "role_permission": ("GRANTS", "edge_id"),
    "role_inheritance": ("INHERITS", "edge_id"),
    "assignment": ("HAS_ROLE", "assignment_id"),
    "delegation": ("DELEGATES", "delegation_id"),
}
DELETE = {
    **{
        element: f"UNWIND $ids AS id MATCH (n:{label} {{sql_id: id}}) DETACH DELETE n"
        for element, label in NODE_LABELS.items()
    },
    **{
        element: f"UNWIND $ids AS id MATCH ()-[e:{rel} {{{key}: id}}]->() DELETE e"
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

WIPE_BATCH = "MATCH (n) WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS deleted"

# Placeholder nodes MERGEd by an edge whose own row never arrived: orphans.
ORPHANS = """
MATCH (n) WHERE (n:Person AND n.name IS NULL) OR (n:Role AND n.code IS NULL)
   OR (n:Permission AND n.codename IS NULL) OR (n:OrgUnit AND n.code IS NULL)
RETURN labels(n)[0] AS label, n.sql_id AS id"""

REPORTING_CYCLES = """
MATCH path = (p:Person)-[:REPORTS_TO*1..64]->(p)
WHERE all(r IN relationships(path) WHERE r.valid_from <= $at
          AND (r.valid_to IS NULL OR r.valid_to > $at))
RETURN [n IN nodes(path) | n.sql_id] AS cycle LIMIT 20"""

INHERITANCE_CYCLES = """
MATCH path = (r:Role)-[:INHERITS*1..32]->(r)
RETURN [n IN nodes(path) | n.sql_id] AS cycle LIMIT 20"""
