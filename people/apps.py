from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from common import outbox, staff_groups
        from people.models import OrgUnit, Person, ReportingLine

        # What the graph keeps of each org-chart row (the projection's contract).
        outbox.register(
            Person,
            "person",
            ("given_name", "family_name", "email", "kind", "org_unit_id", "active"),
        )
        outbox.register(OrgUnit, "unit", ("code", "name", "parent_id"))
        outbox.register(
            ReportingLine, "reporting_line", ("person_id", "manager_id", "valid_from", "valid_to")
        )
        staff_groups.register(
            "People office",
            "keeps people, org units and who reports to whom",
            staff_groups.model_permissions(
                "people", "add change delete view", "person", "orgunit", "reportingline"
            ),
        )
