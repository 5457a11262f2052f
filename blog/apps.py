from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BlogConfig(AppConfig):
    name = "blog"

    def ready(self) -> None:
        from blog import checks  # noqa: F401 - registers the schema version check
        from blog.models import Post
        from blog.schema_version import forget_schema_version
        from blog.selectors import post_tags
        from common.audit import register_snapshot_extra

        # A post's tags live in the many-to-many table; its audit entries carry them.
        register_snapshot_extra(Post, post_tags)

        # Any migrate (of any app) may have moved the blog: re-read before the next request.
        post_migrate.connect(forget_schema_version, dispatch_uid="blog.forget_schema_version")
