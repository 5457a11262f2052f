from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from common import authentication, deadlines, staff_groups

        deadlines.connect_signals()
        authentication.connect_signals()
        post_migrate.connect(staff_groups.sync_after_migrate)
        staff_groups.register(
            "Auditors",
            "reads the audit log and the outbox, changes nothing",
            staff_groups.model_permissions("common", "view", "auditentry", "outboxevent"),
        )
