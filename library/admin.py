"""Staff UI of the library: every write through a service, changelists at a constant query count.

Catalogue and membership rows are edited in forms that call the audited services
(`ServiceAdmin`). Circulation rows (loans, holds, fines) are read-only here: they change only at
the circulation desk (`library.desk`, linked from their lists) and through the actions below,
which call the same services as the API. Their "Add" and "Delete" are removed, because a raw
row would not move the copy, the queue or the circulation log with it: lend, return, cancel or
pay instead. Refusals are shown as messages in words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from common.actors import Actor
from common.admin import ReadOnlyAdmin
from common.changelists import IndexedSearchAdmin, year_filter
from common.exceptions import ServiceError
from common.search import MATCH_CAP, any_id, key_prefix, present
from library import desk, policies, selectors, services
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
from library.services.catalogue import CIRCULATING
from people.admin import register_person_links
from people.models import Person

M = TypeVar("M", bound=Model)


def form_fields(form: forms.ModelForm) -> dict[str, Any]:
    """The edited columns of the row (read-only fields are not in the form)."""
    return {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}


def stored(obj: M) -> M:
    """The row as stored: the form has already applied its values to `obj`, and the service
    must see what it changes from (the audit entry's before)."""
    return type(obj)._default_manager.get(pk=obj.pk)


class ServiceAdmin(admin.ModelAdmin):
    """Create, update and delete through the model's audited services; subclasses name them."""

    def create(self, actor: Actor, fields: dict[str, Any]) -> Model:
        raise NotImplementedError

    def update(self, actor: Actor, obj: Any, fields: dict[str, Any]) -> Model:
        raise NotImplementedError

    def remove(self, actor: Actor, obj: Any) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        self.save_fields(request, obj, change, form_fields(form))

    def save_fields(
        self, request: HttpRequest, obj: Model, change: bool, fields: dict[str, Any]
    ) -> None:
        if change:
            self.update(request.user, stored(obj), fields)
        else:
            obj.pk = self.create(request.user, fields).pk
            obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        # The delete page refuses protected rows before this; a refusal here lost a race.
        try:
            self.remove(request.user, obj)
        except ServiceError as error:
            self.message_user(request, error.message, messages.ERROR)

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id: Any) -> HttpResponse:
        if self.model._default_manager.filter(pk=obj_id).exists():  # refused: say only why
            url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj_id]
            )
            return HttpResponseRedirect(url)
        return super().response_delete(request, obj_display, obj_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        """ "Delete selected": one audited service call per row, refusals reported by row."""
        run_each(self, request, queryset, partial(self.remove, request.user), "Deleted")


def each_row(
    service: Callable[..., object], keyword: str, actor: Actor, **extra: Any
) -> Callable[[Any], object]:
    """`service(actor=actor, <keyword>=row, **extra)` for one row (services take keywords only)."""
    return lambda row: service(actor=actor, **{keyword: row}, **extra)


def run_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    rows: QuerySet | list,
    call: Callable[[Any], object],
    done: str,
) -> None:
    """Run `call` for every row, each in its service's own transaction, and report in words."""
    succeeded, refused = 0, []
    for row in rows:
        try:
            call(row)
            succeeded += 1
        except ServiceError as error:
            refused.append(f"{row}: {error.message}")
    if succeeded:
        modeladmin.message_user(request, f"{done} {succeeded}.", messages.SUCCESS)
    for message in refused:
        modeladmin.message_user(request, message, messages.ERROR)


@admin.register(Author)
class AuthorAdmin(ServiceAdmin):
    list_display = ["name", "born"]
    search_fields = ["name"]

    def create(self, actor: Actor, fields: dict[str, Any]) -> Model:
        return services.author_create(actor=actor, **fields)

    def update(self, actor: Actor, obj: Author, fields: dict[str, Any]) -> Model:
        return services.author_update(actor=actor, author=obj, **fields)

    def remove(self, actor: Actor, obj: Author) -> None:
        services.author_delete(actor=actor, author=obj)


@admin.register(Category)
class CategoryAdmin(ServiceAdmin):
    list_display = ["name", "slug", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}

    def create(self, actor: Actor, fields: dict[str, Any]) -> Model:
        return services.category_create(actor=actor, **fields)

    def update(self, actor: Actor, obj: Category, fields: dict[str, Any]) -> Model:
        return services.category_update(actor=actor, category=obj, **fields)

    def remove(self, actor: Actor, obj: Category) -> None:
        services.category_delete(actor=actor, category=obj)


class BookAuthorInline(admin.TabularInline):
    model = BookAuthor
    autocomplete_fields = ["author"]
    extra = 1


class CopyInline(admin.TabularInline):
    """New copies and shelf locations; the status changes by circulation and the copy actions."""

    model = Copy
    fields = ["barcode", "shelf_location", "status"]
    readonly_fields = ["status"]
    extra = 1


def changelist_link(model: type[Model], label: str, **lookups: Any) -> str:
    """A link to `model`'s changelist filtered by `lookups` (e.g. `member__id__exact=7`)."""
    url = reverse(f"admin:library_{model._meta.model_name}_changelist")
    query = "&".join(f"{name}={value}" for name, value in lookups.items())
    return format_html('<a href="{}?{}">{}</a>', url, query, label)


def links(*pairs: str) -> str:
    return format_html_join(" · ", "{}", ((pair,) for pair in pairs))


def member_links(member_id: int) -> str:
    """The member's loans, holds and fines: the changelists filtered by member."""
    by_member = {"member__id__exact": member_id}
    return links(
        changelist_link(Loan, "loans", **by_member),
        changelist_link(Hold, "holds", **by_member),
        changelist_link(Fine, "fines", **by_member),
    )


# What each search field matches; every kind is resolved to ids through an index first.
TITLE_HELP = (
    "title: the words of a title or subtitle (full text; a misspelt title by similar words)"
)
AUTHOR_HELP = "author: every word in an author's name"
BARCODE_HELP = "barcode: the barcode or its beginning (B0001234)"
MEMBER_HELP = "member: card number or username or its beginning, email, or every word of the name"
CAP_HELP = f"Each kind reaches its first {MATCH_CAP:,} matches."


def search_help(*kinds: str) -> str:
    return "Search by " + "; ".join(kinds) + ". " + CAP_HELP


@admin.register(Book)
class BookAdmin(IndexedSearchAdmin, ServiceAdmin):
    """The book and its credits are one `book_create`/`book_update` (one audit entry, the
    credits in it); each added, changed or deleted copy is its own copy service call."""

    list_display = ["title", "isbn", "language", "year", "category", "circulation"]
    list_filter = ["language"]
    list_select_related = ["category"]
    search_fields = ["title", "subtitle", "isbn", "authors__name"]
    search_help_text = search_help(TITLE_HELP, AUTHOR_HELP, "ISBN: exactly")
    autocomplete_fields = ["category"]
    inlines = [BookAuthorInline, CopyInline]
    readonly_fields = ["circulation"]

    def search_conditions(self, term: str) -> list[Q]:
        by_author = selectors.book_ids_by_author(term, MATCH_CAP)
        return present([selectors.book_condition(term), Q(isbn=term), any_id("pk", by_author)])

    @admin.display(description="copies and queue")
    def circulation(self, book: Book) -> str:
        """Links to the book's copies and to its hold queue (active holds, in queue order)."""
        if book.pk is None:
            return "-"
        return links(
            changelist_link(Copy, "copies", book__id__exact=book.pk),
            changelist_link(Hold, "hold queue", book__id__exact=book.pk, queue="active"),
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Book]:
        # The tsvector is the widest column and no admin page shows it.
        return super().get_queryset(request).defer("search_document")

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        """Written in `save_related`, once the credits of the inline are known."""

    def save_related(self, request: HttpRequest, form: Any, formsets: list, change: bool) -> None:
        by_model = {formset.model: formset for formset in formsets}
        fields = {**form_fields(form), "authors": credited_authors(by_model[BookAuthor])}
        self.save_fields(request, form.instance, change, fields)
        mark_saved(by_model[BookAuthor])
        save_copies(request.user, form.instance, by_model[Copy])

    def create(self, actor: Actor, fields: dict[str, Any]) -> Model:
        return services.book_create(actor=actor, **fields)

    def update(self, actor: Actor, obj: Book, fields: dict[str, Any]) -> Model:
        return services.book_update(actor=actor, book=obj, **fields)

    def remove(self, actor: Actor, obj: Book) -> None:
        services.book_delete(actor=actor, book=obj)


def credited_authors(formset: forms.BaseInlineFormSet) -> list[Author]:
    """The authors the inline keeps, in the order of the positions typed."""
    kept = [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data.get("author") and not form.cleaned_data.get("DELETE")
    ]
    return [data["author"] for data in sorted(kept, key=lambda data: data["position"])]


def mark_saved(formset: forms.BaseInlineFormSet) -> None:
    """What the admin's change message reads from a saved formset, for one saved by a service."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


def save_copies(actor: Actor, book: Book, formset: forms.BaseInlineFormSet) -> None:
    mark_saved(formset)
    for form in formset.forms:
        copy = form.instance
        if form.cleaned_data.get("DELETE") and copy.pk:
            services.copy_delete(actor=actor, copy=copy)
            formset.deleted_objects.append(copy)
        elif form.has_changed() and copy.pk:
            fields = form_fields(form)
            services.copy_update(actor=actor, copy=stored(copy), **_copy_columns(fields))
            formset.changed_objects.append((copy, form.changed_data))
        elif form.has_changed():
            created = services.copy_create(
                actor=actor, book=book, **_copy_columns(form_fields(form))
            )
            formset.new_objects.append(created)


def _copy_columns(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: fields[name] for name in ("barcode", "shelf_location") if name in fields}


def _set_copy_status(status: str) -> Callable[..., None]:
    label = Copy.Status(status).label.lower()

    @admin.action(description=f"Mark the selected copies {label}", permissions=["change"])
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        run_each(
            modeladmin,
            request,
            queryset,
            each_row(services.copy_update, "copy", request.user, status=status),
            f"Marked {label}:",
        )

    action.__name__ = f"mark_{status}"
    return action


@admin.register(Copy)
class CopyAdmin(IndexedSearchAdmin, ServiceAdmin):
    """The status is read-only: circulation sets it, the actions move it between available,
    lost and withdrawn (refused while the copy is lent or set aside)."""

    list_display = ["barcode", "book", "shelf_location", "status"]
    list_filter = ["status"]
    list_select_related = ["book"]
    search_fields = ["barcode", "book__title"]
    search_help_text = search_help(BARCODE_HELP, TITLE_HELP)

    def search_conditions(self, term: str) -> list[Q]:
        books = selectors.book_ids_matching(term, MATCH_CAP)
        return present([key_prefix("barcode", term), any_id("book_id", books)])

    autocomplete_fields = ["book"]
    readonly_fields = ["status"]
    actions = [
        _set_copy_status(Copy.Status.AVAILABLE),
        _set_copy_status(Copy.Status.LOST),
        _set_copy_status(Copy.Status.WITHDRAWN),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Copy]:
        return super().get_queryset(request).defer(*selectors.without_wide_book_columns("book"))

    def get_readonly_fields(self, request: HttpRequest, obj: Copy | None = None) -> list[str]:
        # A lent or set-aside copy stays with the book whose loans and queue name it.
        circulating = obj is not None and obj.status in CIRCULATING
        return ["status", "book"] if circulating else ["status"]

    def has_delete_permission(self, request: HttpRequest, obj: Copy | None = None) -> bool:
        circulating = obj is not None and obj.status in CIRCULATING
        return not circulating and super().has_delete_permission(request, obj)

    def create(self, actor: Actor, fields: dict[str, Any]) -> Model:
        return services.copy_create(actor=actor, **fields)

    def update(self, actor: Actor, obj: Copy, fields: dict[str, Any]) -> Model:
        return services.copy_update(actor=actor, copy=obj, **fields)

    def remove(self, actor: Actor, obj: Copy) -> None:
        services.copy_delete(actor=actor, copy=obj)


@admin.register(MemberCategory)
class MemberCategoryAdmin(ServiceAdmin):
    list_display = ["name", "code", "loan_days", "max_loans", "max_renewals", "hold_limit"]
    search_fields = ["name", "code"]

    def create(self, actor: Actor, fields: dict[str, Any]) -> Model:
        return services.member_category_create(actor=actor, **fields)

    def update(self, actor: Actor, obj: MemberCategory, fields: dict[str, Any]) -> Model:
        return services.member_category_update(actor=actor, category=obj, **fields)

    def remove(self, actor: Actor, obj: MemberCategory) -> None:
        services.member_category_delete(actor=actor, category=obj)


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
class MemberAdmin(IndexedSearchAdmin, ServiceAdmin):
    list_display = ["card_number", "user", "category", "active", "history"]
    list_filter = ["category", "active"]
    list_select_related = ["user", "category"]
    search_fields = [
        "card_number",
        "user__username",
        "user__email",
        "user__first_name",
        "user__last_name",
    ]
    search_help_text = search_help(MEMBER_HELP)
    autocomplete_fields = ["user", "category"]
    readonly_fields = ["history"]
    inlines = [LoanInline]

    def search_conditions(self, term: str) -> list[Q]:
        return present([any_id("pk", selectors.member_ids_matching(term, MATCH_CAP))])

    @admin.display(description="loans, holds, fines")
    def history(self, member: Member) -> str:
        return member_links(member.pk) if member.pk else "-"

    def create(self, actor: Actor, fields: dict[str, Any]) -> Model:
        return services.member_create(actor=actor, **fields)

    def update(self, actor: Actor, obj: Member, fields: dict[str, Any]) -> Model:
        return services.member_update(actor=actor, member=obj, **fields)

    def remove(self, actor: Actor, obj: Member) -> None:
        services.member_delete(actor=actor, member=obj)


class CirculationAdmin(IndexedSearchAdmin, ReadOnlyAdmin):
    """Read-only rows that change only through circulation: at the desk and by the actions,
    which need `library.circulate` (policies) like the API's desk endpoints."""

    change_list_template = "admin/library/circulation_change_list.html"

    def has_circulate_permission(self, request: HttpRequest) -> bool:
        return policies.may_circulate(actor=request.user)


class ActiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("active", "On loan"), ("returned", "Returned")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Loan]) -> QuerySet[Loan]:
        if self.value() in ("active", "returned"):
            return queryset.filter(returned_at__isnull=self.value() == "active")
        return queryset


def end_of_week(now: datetime) -> datetime:
    """Next Monday 00:00 local time: the end of the week `now` is in."""
    today = timezone.localdate(now)
    return timezone.make_aware(
        datetime.combine(today + timedelta(days=7 - today.weekday()), time())
    )


class DueFilter(admin.SimpleListFilter):
    """Loans still out, by when they are due; the partial index on `due_at` of active loans
    (`loan_active_due_idx`) serves both."""

    title = "due"
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("overdue", "Overdue"), ("week", "Due this week")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Loan]) -> QuerySet[Loan]:
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(returned_at__isnull=True, due_at__lt=now)
        if self.value() == "week":  # from now to the end of Sunday, not yet overdue
            return queryset.filter(
                returned_at__isnull=True, due_at__gte=now, due_at__lt=end_of_week(now)
            )
        return queryset


def loan_search_conditions(term: str, copy_field: str, member_field: str) -> list[Q]:
    """Rows of loans (or of fines, through their loan) whose copy has the barcode, whose book
    matches the title or author, or whose member matches: ids first, each through an index."""
    books = selectors.book_ids_matching(term, MATCH_CAP)
    copies = selectors.copy_ids_with_barcode(term, MATCH_CAP)
    copies += selectors.copy_ids_of_books(books, MATCH_CAP)
    members = selectors.member_ids_matching(term, MATCH_CAP)
    return present([any_id(copy_field, copies), any_id(member_field, members)])


@admin.register(Loan)
class LoanAdmin(CirculationAdmin):
    """No `date_hierarchy`: it lists the years present with `SELECT DISTINCT` over every loan
    (and MIN/MAX over the filtered ones); the year filter reads the index's two ends instead."""

    list_display = ["copy", "member", "loaned_at", "due_at", "returned_at", "renewals_used"]
    list_filter = [ActiveFilter, DueFilter, year_filter("loaned_at", "lent in")]
    list_select_related = ["copy", "member__user"]
    search_fields = [
        "copy__barcode",
        "copy__book__title",
        "member__card_number",
        "member__user__username",
    ]
    search_help_text = search_help(BARCODE_HELP, TITLE_HELP, AUTHOR_HELP, MEMBER_HELP)
    actions = ["return_loans", "renew_loans"]

    def search_conditions(self, term: str) -> list[Q]:
        return loan_search_conditions(term, "copy_id", "member_id")

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(desk.desk_view)
        return [path("desk/", view, name="library_desk"), *super().get_urls()]

    @admin.action(
        description="Return the selected loans (fines and holds as at the desk)",
        permissions=["circulate"],
    )
    def return_loans(self, request: HttpRequest, queryset: QuerySet[Loan]) -> None:
        loans = queryset.filter(returned_at__isnull=True).select_related("copy")
        run_each(self, request, loans, partial(_return, request), "Returned")

    @admin.action(description="Renew the selected loans", permissions=["circulate"])
    def renew_loans(self, request: HttpRequest, queryset: QuerySet[Loan]) -> None:
        loans = queryset.filter(returned_at__isnull=True).select_related("copy")
        run_each(
            self, request, loans, each_row(services.loan_renew, "loan", request.user), "Renewed"
        )


def _return(request: HttpRequest, loan: Loan) -> None:
    result = services.loan_return(actor=request.user, loan=loan)
    for level, message in desk.return_messages(result):
        messages.add_message(request, level, message)


class QueueFilter(admin.SimpleListFilter):
    """Holds in the queue: ready for pickup (the partial index `hold_ready_idx`) or all active
    (the active-hold unique index); the book's page links to its queue with this filter."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("ready", "Ready for pickup"), ("active", "In the queue (waiting or ready)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Hold]) -> QuerySet[Hold]:
        if self.value() == "ready":
            return queryset.filter(status=Hold.Status.READY)
        if self.value() == "active":
            return queryset.filter(status__in=Hold.ACTIVE)
        return queryset


@admin.register(Hold)
class HoldAdmin(CirculationAdmin):
    list_display = ["book", "member", "position", "status", "copy", "placed_at"]
    list_filter = [QueueFilter, "status"]
    list_select_related = ["book", "member__user", "copy"]
    search_fields = ["book__title", "member__card_number", "member__user__username"]
    search_help_text = search_help(TITLE_HELP, AUTHOR_HELP, MEMBER_HELP)
    actions = ["cancel_holds"]

    def search_conditions(self, term: str) -> list[Q]:
        books = selectors.book_ids_matching(term, MATCH_CAP)
        members = selectors.member_ids_matching(term, MATCH_CAP)
        return present([any_id("book_id", books), any_id("member_id", members)])

    def get_queryset(self, request: HttpRequest) -> QuerySet[Hold]:
        return super().get_queryset(request).defer(*selectors.without_wide_book_columns("book"))

    @admin.action(
        description="Cancel the selected holds (the queue moves up)", permissions=["circulate"]
    )
    def cancel_holds(self, request: HttpRequest, queryset: QuerySet[Hold]) -> None:
        holds = queryset.filter(status__in=Hold.ACTIVE).order_by("book_id", "position")
        cancel = each_row(services.hold_cancel, "hold", request.user)
        run_each(self, request, holds, cancel, "Cancelled")


class UnpaidFilter(admin.SimpleListFilter):
    """Fines still owed (neither paid nor waived): the partial index `fine_unpaid_idx`."""

    title = "settled"
    parameter_name = "settled"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("unpaid", "Unpaid"), ("paid", "Paid"), ("waived", "Waived")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Fine]) -> QuerySet[Fine]:
        if self.value() == "unpaid":
            return queryset.filter(Fine.OWED)
        if self.value() == "paid":
            return queryset.filter(paid_at__isnull=False)
        if self.value() == "waived":
            return queryset.filter(waived_at__isnull=False)
        return queryset


@admin.register(Fine)
class FineAdmin(CirculationAdmin):
    list_display = [
        "loan",
        "member",
        "amount",
        "overdue_days",
        "assessed_at",
        "paid_at",
        "waived_at",
    ]
    list_filter = [UnpaidFilter]
    list_select_related = ["loan__copy", "loan__member__user", "member__user"]
    search_fields = ["member__card_number", "member__user__username", "loan__copy__book__title"]
    search_help_text = search_help(MEMBER_HELP, TITLE_HELP, AUTHOR_HELP, BARCODE_HELP)
    actions = ["pay_fines"]

    def search_conditions(self, term: str) -> list[Q]:
        return loan_search_conditions(term, "loan__copy_id", "member_id")

    @admin.action(description="Record the selected fines as paid", permissions=["circulate"])
    def pay_fines(self, request: HttpRequest, queryset: QuerySet[Fine]) -> None:
        fines = queryset.filter(Fine.OWED).select_related("loan")
        run_each(self, request, fines, each_row(services.fine_pay, "fine", request.user), "Paid")


@admin.register(CirculationEvent)
class CirculationEventAdmin(CirculationAdmin):
    """Read-only: the log is append-only, written by the services."""

    list_display = ["at", "action", "outcome", "reason", "actor", "member", "barcode"]
    list_filter = ["action", "outcome"]
    list_select_related = ["actor", "member__user"]
    search_fields = ["barcode", "member__card_number", "member__user__username"]
    search_help_text = search_help("barcode: as typed at the desk, or its beginning", MEMBER_HELP)

    def search_conditions(self, term: str) -> list[Q]:
        members = selectors.member_ids_matching(term, MATCH_CAP)
        # The barcode as typed (refused attempts may name no copy): its own index.
        return present([key_prefix("barcode", term), any_id("member_id", members)])


def person_member_links(person: Person) -> str:
    """On a person's admin page: the loans, holds and fines of the member with their login."""
    member = selectors.member_for_user_id(person.user_id) if person.user_id else None
    return member_links(member.pk) if member else ""


register_person_links(person_member_links)
