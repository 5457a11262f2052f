from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"

    def ready(self) -> None:
        from common.audit import register_snapshot_extra
        from library import caching  # noqa: F401 - connects the search cache's invalidation
        from library.models import Book
        from library.services.catalogue import book_credits

        # A book's credits live in BookAuthor rows; its audit entries carry them.
        register_snapshot_extra(Book, book_credits)
