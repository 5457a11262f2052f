"""Reads of the library, each with an explicit loading strategy.

This is the only module that decides how related rows are fetched (select_related,
prefetch_related, only). `BOOK_ROW_STRATEGIES` renders one book list five ways so the lab page
and `bench_library` can show what each strategy costs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from common.actors import user_of
from common.exceptions import NotFoundError, ServiceError
from common.search import all_words, key_prefix
from library import policies
from library.models import (
    SEARCH_CONFIG,
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

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

User = AbstractBaseUser | AnonymousUser


class _Listed(TypedDict):
    """What `_ordered_author_links()` and `_available_copies()` put on a book."""

    author_links: list[BookAuthor]
    available_copies: int


def _sees_all(user: User) -> bool:
    """Circulation staff see every member's rows; everyone else only their own."""
    return policies.may_circulate(actor=user)


# --- Rows a request names (body: 400 when missing; URL: 404 when missing or not the caller's) --
def member_get(member_id: int, *, user: User | None = None) -> Member:
    """The member a body names. With `user`, only a member that user may see (their own, or
    any for circulation staff): another member's id answers as a missing one does, so ids
    cannot be probed."""
    members = member_list(user=user) if user is not None else Member.objects
    member = members.select_related("user", "category").filter(pk=member_id).first()
    if member is None:
        raise ServiceError(
            f"No member has id {member_id}.", field="member", code="member_not_found"
        )
    return member


def book_get(book_id: int) -> Book:
    book = book_refs().filter(pk=book_id).first()
    if book is None:
        raise ServiceError(f"No book has id {book_id}.", field="book", code="book_not_found")
    return book


def loan_get(loan_id: int, *, user: User) -> Loan:
    loan = loan_list(user=user).filter(pk=loan_id).first()
    if loan is None:
        raise NotFoundError(f"No loan has id {loan_id}.", code="loan_not_found")
    return loan


def hold_get(hold_id: int, *, user: User) -> Hold:
    hold = hold_list(user=user).filter(pk=hold_id).first()
    if hold is None:
        raise NotFoundError(f"No hold has id {hold_id}.", code="hold_not_found")
    return hold


# --- Rows the circulation desk names (by what is printed on the card, the spine, the book) ----
def member_by_card(card_number: str) -> Member:
    member = Member.objects.select_related("user", "category")
    found = member.filter(card_number=card_number.strip()).first()
    if found is None:
        raise ServiceError(
            f"No member has card number {card_number}.", field="member", code="member_not_found"
        )
    return found


def book_by_isbn(isbn: str) -> Book:
    book = book_refs().filter(isbn=isbn.strip().replace("-", "")).first()
    if book is None:
        raise ServiceError(f"No book has ISBN {isbn}.", field="book", code="book_not_found")
    return book


def active_loan_by_barcode(barcode: str) -> Loan:
    loans = Loan.objects.select_related("copy", "member")
    loan = loans.filter(copy__barcode=barcode, returned_at__isnull=True).first()
    if loan is None:
        raise ServiceError(f"Copy {barcode} is not on loan.", code="loan_not_found")
    return loan


def active_hold(member: Member, book: Book) -> Hold:
    hold = member.holds.filter(book=book, status__in=Hold.ACTIVE).select_related("member").first()
    if hold is None:
        raise ServiceError(
            f"Member {member.card_number} holds no copy of book {book.pk}.", code="hold_not_found"
        )
    return hold


def owed_fines(member: Member) -> list[Fine]:
    """The member's fines still owed, oldest first, with the loan and copy each was for."""
    fines = member.fines.filter(Fine.OWED).select_related("loan__copy")
    return list(fines.order_by("assessed_at", "pk"))


@dataclass(frozen=True)
class DeskMember:
    """What the desk shows of a member: current loans, active holds, fines owed."""

    member: Member
    loans: list[Loan]
    holds: list[Hold]
    fines: list[Fine]


def desk_member(card_number: str) -> DeskMember:
    """The member and their circulation at a glance: four queries, whatever they hold."""
    member = member_by_card(card_number)
    loans = member.loans.filter(returned_at__isnull=True).select_related("copy__book")
    holds = member.holds.filter(status__in=Hold.ACTIVE).select_related("book", "copy")
    return DeskMember(
        member,
        list(loans.defer(*without_wide_book_columns("copy__book")).order_by("due_at", "pk")),
        list(holds.defer(*without_wide_book_columns("book")).order_by("placed_at", "pk")),
        owed_fines(member),
    )


# --- Rows the services lock before changing them ------------------------------------------
def member_for_update(member_id: int) -> Member | None:
    """The member, locked until the transaction ends, with the category that sets its limits."""
    members = Member.objects.select_for_update(of=("self",)).select_related("category")
    return members.filter(pk=member_id).first()


def loan_for_update(loan_id: int) -> Loan | None:
    """The loan, locked until the transaction ends, with its copy and its member's limits."""
    loans = Loan.objects.select_for_update(of=("self",)).select_related("copy", "member__category")
    return loans.filter(pk=loan_id).first()


def hold_with_copy(hold_id: int) -> Hold:
    """The hold and the copy kept for it (callers hold the book's lock already)."""
    return Hold.objects.select_related("copy").get(pk=hold_id)


def book_for_update(book_id: int) -> None:
    """Lock the book (its hold queue) until the transaction ends."""
    Book.objects.select_for_update().filter(pk=book_id).values_list("pk").get()


def books_and_copies_for_update(barcodes: list[str]) -> dict[str, Copy]:
    """Lock the books of the copies (their hold queues), then the copies, each in key order."""
    book_ids = Copy.objects.filter(barcode__in=barcodes).values_list("book_id", flat=True)
    list(Book.objects.select_for_update().filter(pk__in=book_ids).order_by("pk").values_list("pk"))
    locked = Copy.objects.select_for_update().filter(barcode__in=barcodes).order_by("barcode")
    return {copy.barcode: copy for copy in locked}


def shelf_copy_for_update(book_id: int) -> Copy | None:
    """The book's first copy on the shelf (by barcode), locked until the transaction ends."""
    on_shelf = Copy.objects.select_for_update().filter(
        book_id=book_id, status=Copy.Status.AVAILABLE
    )
    return on_shelf.order_by("barcode").first()


def fine_for_update(fine_id: int) -> Fine:
    """The fine, locked until the transaction ends, with its loan (the copy it was for)."""
    return Fine.objects.select_for_update(of=("self",)).select_related("loan").get(pk=fine_id)


def copy_for_update(copy_id: int) -> Copy:
    """The copy, locked until the transaction ends."""
    return Copy.objects.select_for_update().get(pk=copy_id)


# --- Catalogue --------------------------------------------------------------------------------
def category_subtree_ids(category_id: int) -> list[int]:
    """The category and all its descendants, walked in Python over one query of (id, parent)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in Category.objects.values_list("id", "parent_id"):
        children[parent_id].append(pk)
    found: list[int] = []
    stack = [category_id]
    while stack:
        pk = stack.pop()
        if pk not in found:  # a cycle written behind the admin's back must not loop forever
            found.append(pk)
            stack.extend(children.get(pk, []))
    return found


def _available_copies() -> Coalesce:
    """Available copies of the outer book, as a correlated subquery (immune to other joins)."""
    counted = (
        Copy.objects.filter(book=OuterRef("pk"), status=Copy.Status.AVAILABLE)
        .order_by()
        .values("book")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def _ordered_author_links() -> Prefetch:
    links = BookAuthor.objects.select_related("author").order_by("position")
    return Prefetch("book_authors", queryset=links, to_attr="author_links")


def book_list() -> QuerySet[Book]:
    """Books for lists: category joined, authors in one prefetch, availability counted in SQL.

    The summary and the search document (a tsvector, larger than the rest of the row) are
    deferred: lists never show them.
    """
    return (
        Book.objects.select_related("category")
        .defer("summary", "search_document")
        .prefetch_related(_ordered_author_links())
        .annotate(available_copies=_available_copies())
    )


def book_detail() -> QuerySet[Book]:
    copies = Prefetch("copies", queryset=Copy.objects.order_by("barcode"))
    return (
        Book.objects.select_related("category")
        .defer("search_document")
        .prefetch_related(_ordered_author_links(), copies)
        .annotate(available_copies=_available_copies())
    )


def search_books(books: QuerySet[Book], text: str) -> QuerySet[Book]:
    """Books matching `text`, best first.

    PostgreSQL: a full-text match on the GIN-indexed `search_document` (stemmed; weighted title >
    subtitle > summary), ranked by `ts_rank`. Only when full text finds nothing in the whole
    catalogue (a misspelling, a word it does not know) does it fall back to `similar_titles`:
    trigram conditions over every title are the expensive part, so a term full text answers
    never pays for them. Elsewhere (SQLite): icontains, unranked.
    """
    text = text.strip()
    if not text:
        return books
    if connection.vendor != "postgresql":
        return books.filter(
            Q(title__icontains=text) | Q(subtitle__icontains=text) | Q(summary__icontains=text)
        )
    query = _text_query(text)
    if not full_text_finds(text):
        return similar_titles(books, text)
    return (
        books.filter(search_document=query)
        .annotate(rank=SearchRank(F("search_document"), query))
        .order_by("-rank", "title", "id")
    )


def _text_query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)


def full_text_finds(text: str) -> bool:
    """Whether full text matches any book (one index probe, stops at the first); PostgreSQL."""
    return Book.objects.filter(search_document=_text_query(text)).exists()


def similar_titles(books: QuerySet[Book], text: str) -> QuerySet[Book]:
    """Books whose title has words close to `text` (pg_trgm `%>`, served by the trigram index),
    most similar first; PostgreSQL only.

    Word similarity, not whole-title similarity (`%`): a query is shorter than the titles it
    means, and `%` lets almost every title through the index as a candidate to recheck.
    """
    return (
        books.filter(title__trigram_word_similar=text)
        .annotate(similarity=TrigramWordSimilarity(text, "title"))
        .order_by("-similarity", "title", "id")
    )


def full_text_ranked(text: str, *, use_index: bool = True) -> QuerySet[Book]:
    """Full-text matches only (no trigram), best first; PostgreSQL only.

    `use_index=False` computes the document row by row from the model's own generation
    expression: the same matches, but no index can serve it. `bench_library` times both.
    """
    stored = Book._meta.get_field("search_document")
    # ignore: django-stubs' GeneratedField lacks the `expression` it is constructed with.
    document = F("search_document") if use_index else stored.expression  # type: ignore[attr-defined]
    query = _text_query(text)
    return (
        Book.objects.alias(document=document)
        .filter(document=query)
        .annotate(rank=SearchRank(F("document"), query))
        .order_by("-rank", "id")
        .only("id", "title")
    )


def book_refs() -> QuerySet[Book]:
    """Books to reference by key (an input naming a book): the key is the only column read."""
    return Book.objects.only("pk")


def book_titles() -> QuerySet[Book]:
    """Books with their id and title only (the benchmark times search over these)."""
    return Book.objects.only("id", "title")


def author_list() -> QuerySet[Author]:
    return Author.objects.all()


def category_list() -> QuerySet[Category]:
    return Category.objects.select_related("parent")


def without_wide_book_columns(path: str) -> tuple[str, ...]:
    """The book columns no list shows, reached through `path`: the tsvector is the widest."""
    return (f"{path}__search_document", f"{path}__summary")


def copy_list() -> QuerySet[Copy]:
    return Copy.objects.select_related("book").defer(*without_wide_book_columns("book"))


# --- Circulation: members see their own rows, circulation staff see all -----------------------
def member_category_list() -> QuerySet[MemberCategory]:
    return MemberCategory.objects.all()


def member_list(*, user: User) -> QuerySet[Member]:
    members = Member.objects.select_related("user", "category")
    return members if _sees_all(user) else members.filter(user=user_of(user))


def member_for_user(user: User) -> Member | None:
    return Member.objects.filter(user_id=user.pk).first() if user.is_authenticated else None


def member_for_user_id(user_id: int) -> Member | None:
    return Member.objects.filter(user_id=user_id).only("pk").first()


def all_loans() -> QuerySet[Loan]:
    loans = Loan.objects.select_related("copy__book", "member__user")
    return loans.defer(*without_wide_book_columns("copy__book"))


def loan_list(*, user: User) -> QuerySet[Loan]:
    loans = all_loans()
    return loans if _sees_all(user) else loans.filter(member__user=user_of(user))


def loan_detail(pk: int) -> Loan:
    return all_loans().get(pk=pk)


def current_loans_with_copy(loans: QuerySet[Loan]) -> QuerySet[Loan]:
    """The loans of `loans` not yet returned, each with its copy (the admin's member page)."""
    return loans.filter(returned_at__isnull=True).select_related("copy")


def hold_list(*, user: User) -> QuerySet[Hold]:
    holds = Hold.objects.select_related("book", "member__user", "copy")
    holds = holds.defer(*without_wide_book_columns("book"))
    return holds if _sees_all(user) else holds.filter(member__user=user_of(user))


def fine_list(*, user: User) -> QuerySet[Fine]:
    fines = Fine.objects.select_related("member__user", "loan__copy")
    return fines if _sees_all(user) else fines.filter(member__user=user_of(user))


def event_list() -> QuerySet[CirculationEvent]:
    return CirculationEvent.objects.select_related("actor", "member__user", "copy", "book")


# --- Loading strategies, side by side ---------------------------------------------------------
@dataclass(frozen=True)
class BookRow:
    """What the lab list shows of a book, whatever strategy loaded it."""

    id: int
    title: str
    year: int | None
    category: str
    authors: tuple[str, ...]
    available: int


def _first_books(limit: int) -> QuerySet[Book]:
    return Book.objects.order_by("title", "id")[:limit]


def _row(book: Book, authors: Iterable[str], available: int) -> BookRow:
    return BookRow(book.id, book.title, book.year, book.category.name, tuple(authors), available)


def _rows_lazy(limit: int) -> list[BookRow]:
    """Naive: every related object is fetched when first touched (1 + N + N + N·authors + N)."""
    return [
        _row(
            book,
            (link.author.name for link in book.book_authors.order_by("position")),
            book.copies.filter(status=Copy.Status.AVAILABLE).count(),
        )
        for book in _first_books(limit)
    ]


def _rows_select_related(limit: int) -> list[BookRow]:
    """Foreign keys joined (category; author per link), but each book's to-many still costs."""
    return [
        _row(
            book,
            (
                link.author.name
                for link in book.book_authors.select_related("author").order_by("position")
            ),
            book.copies.filter(status=Copy.Status.AVAILABLE).count(),
        )
        for book in _first_books(limit).select_related("category")
    ]


def _rows_prefetch_related(limit: int) -> list[BookRow]:
    """One query per relation (links, authors, copies); availability counted in Python."""
    books = _first_books(limit).select_related("category")
    books = books.prefetch_related("book_authors__author", "copies")
    return [
        _row(
            book,
            (link.author.name for link in book.book_authors.all()),
            sum(copy.status == Copy.Status.AVAILABLE for copy in book.copies.all()),
        )
        for book in books
    ]


def _prefetched_rows(books: QuerySet[Book]) -> list[BookRow]:
    # cast: the callers prefetch to `author_links` and annotate `available_copies`; mypy follows
    # the annotation but not a Prefetch's to_attr.
    listed = cast("QuerySet[WithAnnotations[Book, _Listed]]", books)
    return [
        _row(book, (link.author.name for link in book.author_links), book.available_copies)
        for book in listed
    ]


def _rows_prefetch_to_attr(limit: int) -> list[BookRow]:
    """Links and authors in one shaped prefetch stored on `author_links`; availability counted by
    a subquery in the book query: two queries, whatever the number of books."""
    books = _first_books(limit).select_related("category")
    books = books.prefetch_related(_ordered_author_links())
    return _prefetched_rows(books.annotate(available_copies=_available_copies()))


def _rows_only(limit: int) -> list[BookRow]:
    """As prefetch_to_attr, selecting only the columns shown (no summary, no tsvector)."""
    links = BookAuthor.objects.select_related("author").order_by("position")
    links = links.only("book_id", "position", "author__name")
    books = _first_books(limit).select_related("category")
    books = books.only("id", "title", "year", "category__name")
    books = books.prefetch_related(Prefetch("book_authors", queryset=links, to_attr="author_links"))
    return _prefetched_rows(books.annotate(available_copies=_available_copies()))


BOOK_ROW_STRATEGIES: dict[str, Callable[[int], list[BookRow]]] = {
    "lazy": _rows_lazy,
    "select_related": _rows_select_related,
    "prefetch_related": _rows_prefetch_related,
    "prefetch_to_attr": _rows_prefetch_to_attr,
    "only": _rows_only,
}


# --- Cross-table invariants (library_verify) -------------------------------------------------
def _count_of(rows: QuerySet) -> Coalesce:
    """How many of `rows` (already correlated to the outer copy) there are, as a subquery."""
    counted = rows.order_by().values("copy_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


@dataclass(frozen=True)
class CopyOutOfStep:
    copy: Copy
    active_loans: int
    ready_holds: int


def copies_out_of_step() -> list[CopyOutOfStep]:
    """Copies whose status disagrees with their loans and holds, annotated with both counts.

    `on_loan` iff exactly one active loan (and no ready hold); `on_hold_shelf` iff exactly one
    ready hold names it (and no active loan); any other status iff neither. One query: the
    active-loan partial unique index and the hold's copy index serve the two subqueries.
    """
    active_loans = Loan.objects.filter(copy=OuterRef("pk"), returned_at__isnull=True)
    ready_holds = Hold.objects.filter(copy=OuterRef("pk"), status=Hold.Status.READY)
    on_loan, on_shelf = Copy.Status.ON_LOAN, Copy.Status.ON_HOLD_SHELF
    copies = (
        Copy.objects.annotate(
            active_loans=_count_of(active_loans), ready_holds=_count_of(ready_holds)
        )
        .filter(
            (Q(status=on_loan) & ~Q(active_loans=1, ready_holds=0))
            | (Q(status=on_shelf) & ~Q(active_loans=0, ready_holds=1))
            | (~Q(status__in=[on_loan, on_shelf]) & (Q(active_loans__gt=0) | Q(ready_holds__gt=0)))
        )
        .only("id", "barcode", "status", "book_id")
        .order_by("barcode")
    )
    return [CopyOutOfStep(copy, copy.active_loans, copy.ready_holds) for copy in copies]


def holds_for_another_book() -> QuerySet[Hold]:
    """Ready holds naming a copy of some other book."""
    ready = Hold.objects.filter(status=Hold.Status.READY).exclude(copy__book_id=F("book_id"))
    return ready.select_related("copy").order_by("pk")


def hold_queues_with_gaps() -> list[int]:
    """Books whose active holds are not numbered 1..n (positions are unique and >= 1 by
    constraint, so the queue is dense exactly when its highest position equals its length)."""
    queues = (
        Hold.objects.filter(status__in=Hold.ACTIVE)
        .values("book_id")
        .annotate(length=Count("pk"), last=Max("position"))
        .exclude(last=F("length"))
        .order_by("book_id")
    )
    return [queue["book_id"] for queue in queues]


def ready_holds_for_update(copy_id: int) -> list[Hold]:
    """Ready holds naming the copy, first in the queue first, locked (callers lock the book)."""
    holds = Hold.objects.select_for_update().filter(copy_id=copy_id, status=Hold.Status.READY)
    return list(holds.order_by("position", "pk"))


def active_holds_for_update(book_id: int) -> list[Hold]:
    """The book's queue in order, locked (callers lock the book)."""
    holds = Hold.objects.select_for_update().filter(book_id=book_id, status__in=Hold.ACTIVE)
    return list(holds.order_by("position", "placed_at", "pk"))


# --- Admin search: what staff type, resolved to ids through indexes (`library.admin`) --------
def book_condition(term: str) -> Q:
    """Books whose title or subtitle matches `term`, as a condition on `Book` itself.

    PostgreSQL: full text on the GIN-indexed `search_document` (stemmed words, all of them);
    only when full text finds no book at all, the titles with similar words (the trigram
    index), so a misspelling still finds its book. SQLite: icontains on the title.
    """
    if connection.vendor != "postgresql":
        return Q(title__icontains=term) | Q(subtitle__icontains=term)
    if full_text_finds(term):
        return Q(search_document=_text_query(term))
    return Q(title__trigram_word_similar=term)


def book_ids_matching(term: str, cap: int) -> list[int]:
    """Up to `cap` books whose title matches `term` (`book_condition`), with that ISBN, or by an
    author whose name holds every word of it (`book_ids_by_author`)."""
    by_title = Book.objects.filter(book_condition(term) | Q(isbn=term)).order_by()
    titled = list(by_title.values_list("pk", flat=True)[:cap])
    return list(dict.fromkeys([*titled, *book_ids_by_author(term, cap - len(titled))]))


def book_ids_by_author(term: str, cap: int) -> list[int]:
    """Up to `cap` books by an author whose name holds every word of `term` (the trigram index
    on the author's name, then the credits' author index); one query."""
    if cap <= 0:
        return []
    authors = Author.objects.filter(all_words(["name"], term)).order_by().values("pk")
    credited = BookAuthor.objects.filter(author__in=authors[:cap]).order_by()
    return list(credited.values_list("book_id", flat=True)[:cap])


def copy_ids_with_barcode(term: str, cap: int) -> list[int]:
    """Copies whose barcode starts with `term` (as typed or in capitals): the barcode's b-tree."""
    copies = Copy.objects.filter(key_prefix("barcode", term)).order_by("barcode")
    return list(copies.values_list("pk", flat=True)[:cap])


def copy_ids_of_books(book_ids: list[int], cap: int) -> list[int]:
    """The copies of `book_ids` (the copy's book index)."""
    if not book_ids:
        return []
    return list(
        Copy.objects.filter(book_id__in=book_ids).order_by().values_list("pk", flat=True)[:cap]
    )


def member_ids_matching(term: str, cap: int) -> list[int]:
    """Members whose card number or username starts with `term`, whose email starts with it, or
    whose user's or linked person's name holds every word of it; one query.

    Card numbers and usernames: their b-tree indexes (prefix). The person's names: the trigram
    indexes on `people_person`. `auth_user`'s names and email are read row by row: Django owns
    that table and it holds one row per account (5,000 on the large seed: about a millisecond).
    """
    from django.contrib.auth import get_user_model

    from people.models import Person

    users = get_user_model()._default_manager.filter(
        key_prefix("username", term)
        | Q(email__startswith=term.lower())
        | all_words(["first_name", "last_name"], term)
    )
    people = Person.objects.filter(user__isnull=False).filter(
        all_words(["given_name", "family_name", "email"], term)
    )
    members = Member.objects.filter(
        key_prefix("card_number", term)
        | Q(user_id__in=users.values("pk"))
        | Q(user_id__in=people.values("user_id"))
    )
    return list(members.order_by().values_list("pk", flat=True)[:cap])


def book_credits(book: Book) -> dict[str, Any]:
    """The book's authors in credit order: part of its audited state (see `apps.py`)."""
    credits = book.book_authors.order_by("position").values_list("author_id", flat=True)
    return {"authors": list(credits)}


def member_block(*, member: Member, now: datetime) -> ServiceError | None:
    """Why `member` may not borrow now, or None."""
    if not member.active:
        return ServiceError("The membership is suspended.", field="member", code="member_inactive")
    if member.loans.filter(returned_at__isnull=True, due_at__lt=now).exists():
        return ServiceError(
            "The member has overdue loans; return them first.",
            field="member",
            code="member_overdue",
        )
    unpaid = member.fines.filter(Fine.OWED).aggregate(total=Sum("amount"))["total"]
    if unpaid and unpaid > member.category.max_unpaid_fines:
        return ServiceError(
            f"Unpaid fines of {unpaid} exceed {member.category.max_unpaid_fines}.",
            field="member",
            code="member_fines",
        )
    return None
