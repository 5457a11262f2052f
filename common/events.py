"""Domain signals that cross app boundaries, sent by services after their transaction commits."""

from django.dispatch import Signal

# Sent after a committed write changed the org chart or what people may do (reporting lines,
# units, roles, assignments, delegations). Arguments: `person_ids: set[int]` whose graph facts
# may have changed, and `facts: set[str]` naming which (see delegation.graph.base.PERSON_FACTS).
# Receivers (the directory cache) invalidate exactly those entries.
org_changed = Signal()
