from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BlogConfig(AppConfig):
    name = "blog"

    def ready(self) -> None:
        from blog import checks  # noqa: F401 - registers the schema version check
        from blog.schema_version import forget_schema_version

        # Any migrate (of any app) may have moved the blog: re-read before the next request.
        post_migrate.connect(forget_schema_version, dispatch_uid="blog.forget_schema_version")
