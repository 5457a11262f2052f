"""The graph's schema as neomodel classes: four node labels, seven relationship types.

Every node and edge carries the primary key of the SQL row it projects (`sql_id`, or the edge's
own `*_id`), with a uniqueness constraint, so that projecting the same row twice MERGEs onto
the same element, and `pos`, the outbox position of the last event applied to it. Times are
integer microseconds since the epoch (`projector.micros`: exact, unlike float seconds); an open
end is null.

`required=True` marks what the projection always sets: `graph_verify` reports any node or edge
without one (`cypher_sync.missing_required`), and on Neo4j Enterprise (`NEO4J_ENTERPRISE`)
`graph_install_constraints` installs a `REQUIRE ... IS NOT NULL` constraint for each
(`cypher_sync.existence_constraints`); Community has no property existence constraints.
`manage.py graph_install_constraints` installs the uniqueness constraints these classes declare.
"""

from __future__ import annotations

from neomodel import (
    BooleanProperty,
    IntegerProperty,
    RelationshipTo,
    StringProperty,
    StructuredNode,
    StructuredRel,
)


class Projected(StructuredRel):
    pos = IntegerProperty(required=True)


class Window(Projected):
    valid_from = IntegerProperty(required=True)
    valid_to = IntegerProperty()


class ReportsTo(Window):
    line_id = IntegerProperty(unique_index=True, required=True)


class HasRole(Window):
    assignment_id = IntegerProperty(unique_index=True, required=True)
    scope_unit = IntegerProperty()


class Delegates(Projected):
    delegation_id = IntegerProperty(unique_index=True, required=True)
    grant = StringProperty(required=True)  # "r:<role id>" or "p:<permission id>"
    valid_from = IntegerProperty(required=True)
    expires_at = IntegerProperty()
    revoked_at = IntegerProperty()
    weight = IntegerProperty(required=True)
    max_redelegations = IntegerProperty(required=True)


class Inherits(Projected):
    edge_id = IntegerProperty(unique_index=True, required=True)
    role_id = IntegerProperty(required=True)


class Grants(Projected):
    edge_id = IntegerProperty(unique_index=True, required=True)
    role_id = IntegerProperty(required=True)


class MemberOf(StructuredRel):
    """Not an element of its own: part of the person's, replaced with it (no key, no pos)."""


class PartOf(StructuredRel):
    """Not an element of its own: part of the unit's, replaced with it (no key, no pos)."""


class OrgUnit(StructuredNode):
    sql_id = IntegerProperty(unique_index=True, required=True)
    pos = IntegerProperty(required=True)
    code = StringProperty(required=True)
    name = StringProperty(required=True)
    part_of = RelationshipTo("OrgUnit", "PART_OF", model=PartOf)


class Permission(StructuredNode):
    sql_id = IntegerProperty(unique_index=True, required=True)
    pos = IntegerProperty(required=True)
    codename = StringProperty(unique_index=True, required=True)


class Role(StructuredNode):
    sql_id = IntegerProperty(unique_index=True, required=True)
    pos = IntegerProperty(required=True)
    code = StringProperty(unique_index=True, required=True)
    name = StringProperty(required=True)
    inherits = RelationshipTo("Role", "INHERITS", model=Inherits)
    grants = RelationshipTo(Permission, "GRANTS", model=Grants)


class Person(StructuredNode):
    sql_id = IntegerProperty(unique_index=True, required=True)
    pos = IntegerProperty(required=True)
    name = StringProperty(required=True)
    given_name = StringProperty(required=True)
    family_name = StringProperty(required=True)
    email = StringProperty()
    active = BooleanProperty(required=True)
    reports_to = RelationshipTo("Person", "REPORTS_TO", model=ReportsTo)
    member_of = RelationshipTo(OrgUnit, "MEMBER_OF", model=MemberOf)
    has_role = RelationshipTo(Role, "HAS_ROLE", model=HasRole)
    delegates = RelationshipTo("Person", "DELEGATES", model=Delegates)


NODE_CLASSES = [Person, OrgUnit, Role, Permission]
EDGE_CLASSES: dict[str, type[StructuredRel]] = {
    "REPORTS_TO": ReportsTo,
    "HAS_ROLE": HasRole,
    "DELEGATES": Delegates,
    "INHERITS": Inherits,
    "GRANTS": Grants,
}


def required_properties() -> list[tuple[str, str, str]]:
    """`(kind, label or type, property)` for every property declared `required`, kind being
    `node` or `edge`: what verification and the Enterprise constraints hold the graph to."""
    found: list[tuple[str, str, str]] = []
    for node in NODE_CLASSES:
        for name, prop in node.defined_properties(aliases=False, rels=False).items():
            if prop.required:
                found.append(("node", node.__name__, name))
    for rel_type, edge in EDGE_CLASSES.items():
        for name, prop in edge.defined_properties(aliases=False, rels=False).items():
            if prop.required:
                found.append(("edge", rel_type, name))
    return found
