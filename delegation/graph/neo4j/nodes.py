"""The graph's schema as neomodel classes: four node labels, seven relationship types.

Every node and edge carries the primary key of the SQL row it projects (`sql_id`, or the edge's
own `*_id`), with a uniqueness constraint, so that projecting the same row twice MERGEs onto
the same element. Times are epoch seconds (floats); an open end is null.
`manage.py graph_install_constraints` installs the constraints these classes declare.
"""

from __future__ import annotations

from neomodel import (
    BooleanProperty,
    FloatProperty,
    IntegerProperty,
    RelationshipTo,
    StringProperty,
    StructuredNode,
    StructuredRel,
)


class Window(StructuredRel):
    valid_from = FloatProperty(required=True)
    valid_to = FloatProperty()


class ReportsTo(Window):
    line_id = IntegerProperty(unique_index=True, required=True)


class HasRole(Window):
    assignment_id = IntegerProperty(unique_index=True, required=True)
    scope_unit = IntegerProperty()


class Delegates(StructuredRel):
    delegation_id = IntegerProperty(unique_index=True, required=True)
    grant = StringProperty(required=True)  # "r:<role id>" or "p:<permission id>"
    valid_from = FloatProperty(required=True)
    expires_at = FloatProperty()
    revoked_at = FloatProperty()
    weight = IntegerProperty(default=1)
    max_redelegations = IntegerProperty(default=0)


class Inherits(StructuredRel):
    edge_id = IntegerProperty(unique_index=True, required=True)


class Grants(StructuredRel):
    edge_id = IntegerProperty(unique_index=True, required=True)


class OrgUnit(StructuredNode):
    sql_id = IntegerProperty(unique_index=True, required=True)
    code = StringProperty()
    name = StringProperty()
    part_of = RelationshipTo("OrgUnit", "PART_OF")


class Permission(StructuredNode):
    sql_id = IntegerProperty(unique_index=True, required=True)
    codename = StringProperty(unique_index=True)


class Role(StructuredNode):
    sql_id = IntegerProperty(unique_index=True, required=True)
    code = StringProperty(unique_index=True)
    name = StringProperty()
    inherits = RelationshipTo("Role", "INHERITS", model=Inherits)
    grants = RelationshipTo(Permission, "GRANTS", model=Grants)


class Person(StructuredNode):
    sql_id = IntegerProperty(unique_index=True, required=True)
    name = StringProperty()
    email = StringProperty()
    active = BooleanProperty(default=True)
    reports_to = RelationshipTo("Person", "REPORTS_TO", model=ReportsTo)
    member_of = RelationshipTo(OrgUnit, "MEMBER_OF")
    has_role = RelationshipTo(Role, "HAS_ROLE", model=HasRole)
    delegates = RelationshipTo("Person", "DELEGATES", model=Delegates)


NODE_CLASSES = [Person, OrgUnit, Role, Permission]
