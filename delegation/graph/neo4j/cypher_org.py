"""Cypher for the org chart: manager chains, reports, lowest common manager, unit tree.

Plain Neo4j 5, parameterised. A REPORTS_TO edge counts at `$at` (epoch microseconds) when
`valid_from <= $at < valid_to` (a null end never ends). People and units come back unordered
by name: the backend sorts them as `base` defines (code point order, not a collation).
"""

from __future__ import annotations

LINE_VALID = "r.valid_from <= $at AND (r.valid_to IS NULL OR r.valid_to > $at)"

MANAGER_CHAINS = f"""
UNWIND $ids AS origin
MATCH path = (:Person {{sql_id: origin}})-[:REPORTS_TO*1..{{max_depth}}]->(m:Person)
WHERE all(r IN relationships(path) WHERE {LINE_VALID})
RETURN origin, m.sql_id AS id, m.name AS name, length(path) AS depth,
       m.family_name AS family_name, m.given_name AS given_name
ORDER BY origin, depth, id"""

REPORTS = f"""
UNWIND $ids AS origin
MATCH path = (:Person {{sql_id: origin}})<-[:REPORTS_TO*1..{{max_depth}}]-(p:Person)
WHERE all(r IN relationships(path) WHERE {LINE_VALID})
RETURN origin, p.sql_id AS id, p.name AS name, length(path) AS depth,
       nodes(path)[-2].sql_id AS manager_id, p.family_name AS family_name,
       p.given_name AS given_name
ORDER BY origin, depth, id"""

LOWEST_COMMON_MANAGER = f"""
MATCH pa = (:Person {{sql_id: $a}})-[:REPORTS_TO*0..{{max_depth}}]->(m:Person)
WHERE all(r IN relationships(pa) WHERE {LINE_VALID})
MATCH pb = (:Person {{sql_id: $b}})-[:REPORTS_TO*0..{{max_depth}}]->(m)
WHERE all(r IN relationships(pb) WHERE {LINE_VALID})
RETURN m.sql_id AS id, m.name AS name, length(pa) AS depth_a, length(pb) AS depth_b
ORDER BY depth_a + depth_b, depth_a, id
LIMIT 1"""

UNIT_TREE = """
MATCH (root:OrgUnit)
WHERE ($root IS NULL AND NOT (root)-[:PART_OF]->(:OrgUnit)) OR root.sql_id = $root
MATCH path = (u:OrgUnit)-[:PART_OF*0..{max_depth}]->(root)
OPTIONAL MATCH (u)-[:PART_OF]->(parent:OrgUnit)
RETURN u.sql_id AS id, u.code AS code, u.name AS name, parent.sql_id AS parent_id,
       length(path) AS depth, size([(member:Person)-[:MEMBER_OF]->(u) | member]) AS people"""


def bounded(query: str, max_depth: int) -> str:
    """Variable-length bounds cannot be parameters in Cypher; they are our own integers."""
    return query.replace("{max_depth}", str(int(max_depth)))
