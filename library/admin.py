"""Staff UI of the library: every model, changelists at a constant query count."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from common.exceptions import ServiceError
from library import selectors, services
from library.models import (
    Author,
    Book,
    BookAuthor,
    Category,
    CirculationEvent,
    Copy,
    Fine,
    Hold,
    Loan,
    Member,
    MemberCategory,
)


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "born"]
    search_fields = ["name"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


class BookAuthorInline(admin.TabularInline):
    model = BookAuthor
    autocomplete_fields = ["author"]
    extra = 1


class CopyInline(admin.TabularInline):
    model = Copy
    fields = ["barcode", "shelf_location", "status"]
    extra = 1


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    list_display = ["title", "isbn", "language", "year", "category"]
    list_filter = ["language"]
    list_select_related = ["category"]
    search_fields = ["title", "isbn"]
    autocomplete_fields = ["category"]
    inlines = [BookAuthorInline, CopyInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Book]:
        # The tsvector is the widest column and no admin page shows it.
        return super().get_queryset(request).defer("search_document")


@admin.register(Copy)
class CopyAdmin(admin.ModelAdmin):
    list_display = ["barcode", "book", "shelf_location", "status"]
    list_filter = ["status"]
    list_select_related = ["book"]
    search_fields = ["barcode", "book__title"]
    autocomplete_fields = ["book"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Copy]:
        return super().get_queryset(request).defer(*selectors.without_wide_book_columns("book"))


@admin.register(MemberCategory)
class MemberCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "loan_days", "max_loans", "max_renewals", "hold_limit"]
    search_fields = ["name", "code"]


class LoanInline(admin.TabularInline):
    """A member's current loans, read-only: loans change through circulation, never by hand.

    The history (hundreds of rows for a long-standing member) is the Loan list filtered by member.
    """

    model = Loan
    verbose_name_plural = "current loans"
    # A tuple: the stubs type `fields` as groups and `readonly_fields` as flat names, and only an
    # immutable sequence of names is both.
    fields = ("copy", "loaned_at", "due_at", "returned_at", "renewals_used")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["-loaned_at"]

    def has_add_permission(self, request: HttpRequest, obj: Member | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Loan]:
        return selectors.current_loans_with_copy(super().get_queryset(request))


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["card_number", "user", "category", "active"]
    list_filter = ["category", "active"]
    list_select_related = ["user", "category"]
    search_fields = ["card_number", "user__username", "user__last_name"]
    autocomplete_fields = ["user", "category"]
    inlines = [LoanInline]


@admin.action(description="Return the selected loans (fines and holds as at the desk)")
def return_loans(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    returned, refused = 0, []
    for loan in queryset.filter(returned_at__isnull=True).select_related("copy"):
        try:
            services.loan_return(actor=request.user, loan=loan)
            returned += 1
        except ServiceError as error:
            refused.append(f"loan {loan.pk}: {error.message}")
    modeladmin.message_user(request, f"Returned {returned} loans.", messages.SUCCESS)
    if refused:
        modeladmin.message_user(request, "; ".join(refused), messages.WARNING)


class ActiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("active", "On loan"), ("returned", "Returned")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Loan]) -> QuerySet[Loan]:
        if self.value() in ("active", "returned"):
            return queryset.filter(returned_at__isnull=self.value() == "active")
        return queryset


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    list_display = ["copy", "member", "loaned_at", "due_at", "returned_at", "renewals_used"]
    list_filter = [ActiveFilter]
    list_select_related = ["copy", "member__user"]
    search_fields = ["copy__barcode", "member__card_number"]
    autocomplete_fields = ["copy", "member"]
    date_hierarchy = "loaned_at"
    actions = [return_loans]
    # The loan list grows without bound: no COUNT(*) of the whole table on every page.
    show_full_result_count = False


@admin.register(Hold)
class HoldAdmin(admin.ModelAdmin):
    list_display = ["book", "member", "position", "status", "copy", "placed_at"]
    list_filter = ["status"]
    list_select_related = ["book", "member__user", "copy"]
    search_fields = ["book__title", "member__card_number"]
    autocomplete_fields = ["book", "member", "copy"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Hold]:
        return super().get_queryset(request).defer(*selectors.without_wide_book_columns("book"))


@admin.register(Fine)
class FineAdmin(admin.ModelAdmin):
    list_display = ["loan", "member", "amount", "overdue_days", "assessed_at", "paid_at"]
    list_select_related = ["loan__copy", "loan__member__user", "member__user"]
    search_fields = ["member__card_number"]
    autocomplete_fields = ["loan", "member"]


@admin.register(CirculationEvent)
class CirculationEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, written by the services."""

    list_display = ["at", "action", "outcome", "reason", "actor", "member", "barcode"]
    list_filter = ["action", "outcome"]
    list_select_related = ["actor", "member__user"]
    search_fields = ["barcode", "reason"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
