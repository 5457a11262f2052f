from django.apps import AppConfig


class DelegationConfig(AppConfig):
    name = "delegation"

    def ready(self) -> None:
        from common import health
        from common.audit import register_snapshot_extra
        from delegation import graph
        from delegation.graph import outbox
        from delegation.models import Role
        from delegation.selectors import role_grants

        outbox.register_elements()
        register_snapshot_extra(Role, role_grants)
        health.register_probe("graph", graph.health)
