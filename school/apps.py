from django.apps import AppConfig


class SchoolConfig(AppConfig):
    name = "school"

    def ready(self) -> None:
        from school import caching  # noqa: F401 - connects the directory's cache invalidation
