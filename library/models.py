"""Catalogue (authors, categories, books, copies) and circulation (members, loans, holds, fines).

The rules that must hold whatever code writes the rows live here as database constraints: one
active loan per copy, due after loaned, positive fines, one queue position per book. Services
(`library.services`) enforce the rest inside transactions.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from common.search import trigram_index

# Text search configuration of the stored search document; the query must use the same one.
SEARCH_CONFIG = "english"


class Author(models.Model):
    name = models.CharField(max_length=200)
    born = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["name"], name="author_name_idx"),
            # The admin's search of books by author: any word of the name (`icontains`).
            trigram_index("name", "author_name_trgm"),
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A subject; categories form a tree through `parent` (e.g. Science > Physics)."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "categories"
        constraints = [
            # NULL parent (a root category) passes on purpose.
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="category_not_own_parent",
                violation_error_message="A category cannot be its own parent.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A category may not sit below itself (the database only stops the one-step loop)."""
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": "A category cannot be inside itself."})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class Book(models.Model):
    """A work (a title), as opposed to the physical copies the library lends."""

    title = models.CharField(max_length=300)
    subtitle = models.CharField(max_length=300, blank=True)
    isbn = models.CharField(
        "ISBN",
        max_length=13,
        unique=True,
        validators=[RegexValidator(r"^(\d{9}[\dX]|\d{13})$", "ISBN-10 or ISBN-13, no hyphens.")],
    )
    language = models.CharField(max_length=8, default="en", help_text="ISO 639-1 code.")
    year = models.SmallIntegerField(null=True, blank=True)
    summary = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="books")
    authors = models.ManyToManyField(Author, through="BookAuthor", related_name="books")
    # Kept by PostgreSQL itself (a stored generated column) and indexed with GIN; on SQLite the
    # column is a plain NULL placeholder and search falls back to icontains (see migration 0001).
    search_document = models.GeneratedField(
        expression=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("subtitle", weight="B", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="C", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["title", "id"]
        indexes = [
            # Serves the default ordering: the first page of a title-ordered list is an index
            # range scan, not a sort of every book.
            models.Index(fields=["title", "id"], name="book_title_id_idx"),
            models.Index(fields=["language", "year"], name="book_language_year_idx"),
            models.Index(fields=["year"], name="book_year_idx"),
            GinIndex(fields=["search_document"], name="book_search_gin"),
            # Serves `title % query` (pg_trgm similarity): finds titles despite typos.
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="book_title_trgm_gin"),
        ]

    def __str__(self) -> str:
        return self.title


class BookAuthor(models.Model):
    """An author of a book, in credit order (`position` 1 is the first author)."""

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="book_authors")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="book_links")
    position = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["book", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["book", "author"],
                name="bookauthor_unique_author",
                violation_error_message="This author is already credited on the book.",
            ),
            models.UniqueConstraint(
                fields=["book", "position"],
                name="bookauthor_unique_position",
                violation_error_message="Another author already has this credit position.",
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1),
                name="bookauthor_position_gte_1",
                violation_error_message="Credit positions start at 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} ({self.position})"


class Copy(models.Model):
    """A physical item of a book, identified by the barcode on its spine."""

    class Status(models.TextChoices):
        AVAILABLE = "available", "Available"
        ON_LOAN = "on_loan", "On loan"
        ON_HOLD_SHELF = "on_hold_shelf", "On the hold shelf"
        LOST = "lost", "Lost"
        WITHDRAWN = "withdrawn", "Withdrawn"

    barcode = models.CharField(max_length=32, unique=True)
    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="copies")
    shelf_location = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AVAILABLE)

    class Meta:
        ordering = ["barcode"]
        verbose_name_plural = "copies"
        indexes = [models.Index(fields=["book", "status"], name="copy_book_status_idx")]

    def __str__(self) -> str:
        return self.barcode


class MemberCategory(models.Model):
    """Circulation rules of a kind of member (student, staff...): one row per kind."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    loan_days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    max_loans = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    max_renewals = models.PositiveSmallIntegerField(default=2)
    hold_limit = models.PositiveSmallIntegerField(default=5)
    daily_fine = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0.20"))
    fine_grace_days = models.PositiveSmallIntegerField(default=0)
    fine_cap = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("10.00"))
    # Unpaid fines above this amount block checkouts.
    max_unpaid_fines = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("5.00"))

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "member categories"
        constraints = [
            models.CheckConstraint(
                condition=Q(loan_days__gte=1),
                name="membercat_loan_days_gte_1",
                violation_error_message="A loan lasts at least one day.",
            ),
            models.CheckConstraint(
                condition=Q(max_loans__gte=1),
                name="membercat_max_loans_gte_1",
                violation_error_message="A member may borrow at least one copy.",
            ),
            models.CheckConstraint(
                condition=Q(daily_fine__gte=0),
                name="membercat_fine_gte_0",
                violation_error_message="The daily fine cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(fine_cap__gte=0),
                name="membercat_cap_gte_0",
                violation_error_message="The fine cap cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(max_unpaid_fines__gte=0),
                name="membercat_unpaid_gte_0",
                violation_error_message="The unpaid fines threshold cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def fine_for(self, overdue_days: int) -> Decimal:
        """Every overdue day is charged once the grace period is over, up to the cap."""
        if overdue_days <= self.fine_grace_days:
            return Decimal("0.00")
        return min(self.daily_fine * overdue_days, self.fine_cap)


class Member(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="library_member"
    )
    category = models.ForeignKey(MemberCategory, on_delete=models.PROTECT, related_name="members")
    card_number = models.CharField(max_length=20, unique=True)
    active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["card_number"]

    def __str__(self) -> str:
        return f"{self.card_number} ({self.user})"


class Loan(models.Model):
    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="loans")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="loans")
    loaned_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    returned_at = models.DateTimeField(null=True, blank=True)
    renewals_used = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-loaned_at", "-id"]
        constraints = [
            # The last line of defence against lending one copy twice (services lock first).
            models.UniqueConstraint(
                fields=["copy"],
                condition=Q(returned_at__isnull=True),
                name="loan_one_active_per_copy",
                violation_error_message="This copy is already on loan.",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gt=F("loaned_at")),
                name="loan_due_after",
                violation_error_message="A loan is due after it was lent.",
            ),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(returned_at__gte=F("loaned_at")),
                name="loan_returned_after_loaned",
                violation_error_message="A loan is returned after it was lent.",
            ),
        ]
        indexes = [
            models.Index(fields=["loaned_at", "id"], name="loan_loaned_idx"),  # default ordering
            models.Index(fields=["member", "returned_at"], name="loan_member_returned_idx"),
            models.Index(
                fields=["due_at"], condition=Q(returned_at__isnull=True), name="loan_active_due_idx"
            ),
            # `loans?active=true`, newest first: keyset pages over the unreturned loans only.
            models.Index(
                fields=["-id"], condition=Q(returned_at__isnull=True), name="loan_active_id_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.copy} → {self.member}"

    @property
    def is_active(self) -> bool:
        return self.returned_at is None


class Hold(models.Model):
    """A member's place in the FIFO queue for a title (any copy of the book will do).

    Active holds (waiting, ready) have a position 1..n, dense and unique per book; holds that
    left the queue have none.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        READY = "ready", "Ready for pickup"
        FULFILLED = "fulfilled", "Fulfilled"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE = (Status.WAITING, Status.READY)

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="holds")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="holds")
    position = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    # The copy set aside on the hold shelf once the hold is ready.
    copy = models.ForeignKey(
        Copy, null=True, blank=True, on_delete=models.PROTECT, related_name="holds"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["book", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["book", "position"],
                name="hold_unique_position",
                violation_error_message="Another hold has this place in the book's queue.",
            ),
            models.UniqueConstraint(
                fields=["book", "member"],
                condition=Q(status__in=["waiting", "ready"]),
                name="hold_one_active_per_member",
                violation_error_message="The member already holds this book.",
            ),
            # `position >= 1` alone is NULL, and so passes, for a NULL position: an active hold
            # must say IS NOT NULL explicitly.
            models.CheckConstraint(
                condition=(
                    Q(status__in=["waiting", "ready"])
                    & Q(position__isnull=False)
                    & Q(position__gte=1)
                )
                | (~Q(status__in=["waiting", "ready"]) & Q(position__isnull=True)),
                name="hold_position_iff_active",
                violation_error_message=(
                    "A waiting or ready hold has a queue position; a closed hold has none."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(copy__isnull=False),
                name="hold_ready_has_copy",
                violation_error_message="A ready hold names the copy set aside for it.",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "status"], name="hold_member_status_idx"),
            # The admin's "ready for pickup" filter: the hold shelf, newest first.
            models.Index(
                fields=["-placed_at"], condition=Q(status="ready"), name="hold_ready_search"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} #{self.position} for {self.book}"


class Fine(models.Model):
    """Charged when an overdue loan comes back: per overdue day, past a grace period, capped."""

    # Still owed: neither paid nor waived.
    OWED = Q(paid_at__isnull=True, waived_at__isnull=True)

    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="fine")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="fines")
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    overdue_days = models.PositiveIntegerField()
    assessed_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Forgiven at the desk: no longer owed, but not money received.
    waived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="fine_amount_positive",
                violation_error_message="A fine is more than zero.",
            ),
            models.CheckConstraint(
                condition=Q(overdue_days__gt=0),
                name="fine_days_positive",
                violation_error_message="A fine is for at least one overdue day.",
            ),
            models.CheckConstraint(
                condition=Q(paid_at__isnull=True) | Q(waived_at__isnull=True),
                name="fine_paid_or_waived",
                violation_error_message="A fine is either paid or waived, not both.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["member"], condition=Q(paid_at__isnull=True), name="fine_unpaid_idx"
            ),
            # The list's order (newest first): keyset pages read only their own rows.
            models.Index(fields=["-assessed_at", "-id"], name="fine_assessed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} for {self.loan}"


class CirculationEvent(models.Model):
    """Append-only log of every circulation attempt, including refused ones."""

    class Action(models.TextChoices):
        CHECKOUT = "checkout", "Checkout"
        RETURN = "return", "Return"
        RENEW = "renew", "Renewal"
        HOLD_PLACE = "hold_place", "Hold placed"
        HOLD_CANCEL = "hold_cancel", "Hold cancelled"
        HOLD_READY = "hold_ready", "Hold ready"
        FINE_PAY = "fine_pay", "Fine paid"
        FINE_WAIVE = "fine_waive", "Fine waived"

    class Outcome(models.TextChoices):
        OK = "ok", "Done"
        REFUSED = "refused", "Refused"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=12, choices=Action.choices)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    reason = models.CharField(max_length=40, blank=True, help_text="Refusal code, if refused.")
    message = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    copy = models.ForeignKey(
        Copy, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    book = models.ForeignKey(
        Book, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    # The barcode as typed: refused attempts may name a copy that does not exist.
    barcode = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["member", "-id"], name="event_member_idx"),
            # The admin's search by barcode as typed (a refused attempt may name no copy).
            models.Index(
                fields=["barcode"], opclasses=["varchar_pattern_ops"], name="event_barcode_search"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("The circulation log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValueError("The circulation log is append-only.")
