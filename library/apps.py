from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"

    def ready(self) -> None:
        from common import staff_groups
        from common.audit import register_snapshot_extra
        from library.models import Book
        from library.selectors import book_credits

        # A book's credits live in BookAuthor rows; its audit entries carry them.
        register_snapshot_extra(Book, book_credits)
        catalogue = ("author", "category", "book", "bookauthor", "copy")
        circulation = ("loan", "hold", "fine", "circulationevent", "membercategory")
        staff_groups.register(
            "Librarians",
            "keeps the catalogue and members, lends and takes back books at the circulation desk",
            staff_groups.model_permissions("library", "add change delete view", *catalogue)
            + staff_groups.model_permissions("library", "add change view", "member")
            + staff_groups.model_permissions("library", "view", *circulation),
        )
