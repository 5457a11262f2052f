from django.apps import AppConfig


class SchoolConfig(AppConfig):
    name = "school"

    def ready(self) -> None:
        from common import staff_groups
        from school import caching  # noqa: F401 - connects the receivers of org_changed, person_changed

        timetable = ("term", "course", "section", "teachingassignment", "enrollment")
        staff_groups.register(
            "Registrar",
            "plans terms, courses and sections, assigns teachers and enrols students",
            staff_groups.model_permissions("school", "add change delete view", *timetable)
            # Choosing the student of an enrolment or the teacher of a section.
            + staff_groups.model_permissions("people", "view", "person", "orgunit"),
        )
