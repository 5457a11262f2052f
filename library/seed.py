"""Demo catalogue and circulation history.

`small`: a few hundred books for the lab and the admin. `large`: 100k books, 300k copies, 500k
loans for `bench_library`, inserted with `bulk_create` in batches (a few minutes).

Deterministic (names, ISBNs and barcodes come from counters; the only randomness has a fixed
seed; dates are whole days before today) and idempotent (natural keys with ignore_conflicts; the
loan history is made once).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import cast

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import F
from django.utils import timezone

from common.exceptions import ServiceError
from common.seed import BATCH, Log, analyze, bulk_load
from library import services
from library.models import (
    Author,
    Book,
    BookAuthor,
    Category,
    Copy,
    Fine,
    Loan,
    Member,
    MemberCategory,
)

SIZES = {
    #          books,  authors, members, loans
    "small": (300, 80, 40, 900),
    "large": (100_000, 5_000, 5_000, 500_000),
}
ACTIVE_EVERY = 20  # one copy in 20 is on loan now
RULES = {
    # code: name, loan days, max loans, renewals, holds, daily fine, grace, cap, max unpaid
    "student": ("Student", 21, 5, 2, 5, "0.20", 2, "10.00", "5.00"),
    "teacher": ("Teacher", 42, 20, 5, 10, "0.10", 7, "5.00", "10.00"),
    "staff": ("Staff", 28, 10, 3, 10, "0.10", 3, "5.00", "10.00"),
}
CATEGORIES = {
    "science": ("Science", None),
    "physics": ("Physics", "science"),
    "astronomy": ("Astronomy", "physics"),
    "biology": ("Biology", "science"),
    "computing": ("Computing", "science"),
    "databases": ("Databases", "computing"),
    "humanities": ("Humanities", None),
    "history": ("History", "humanities"),
    "philosophy": ("Philosophy", "humanities"),
    "languages": ("Languages", "humanities"),
    "arts": ("Arts", None),
    "music": ("Music", "arts"),
    "fiction": ("Fiction", None),
    "mystery": ("Mystery", "fiction"),
    "fantasy": ("Fantasy", "fiction"),
}
GIVEN = ["Ada", "Boris", "Chiara", "Dmitri", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas"]
GIVEN += ["Kemal", "Lucia", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Soren", "Tove"]
FAMILY = ["Abbott", "Bauer", "Castillo", "Dubois", "Eriksen", "Fontaine", "Gallo", "Hartmann"]
FAMILY += ["Iversen", "Jansen", "Kowalski", "Lindqvist", "Moreau", "Novak", "Ortega", "Pereira"]
FAMILY += ["Rinaldi", "Schulz", "Takahashi", "Varga", "Wilde", "Yilmaz", "Zanetti", "Brandt"]
ADJECTIVES = ["silent", "quantum", "hidden", "relational", "ancient", "northern", "distributed"]
ADJECTIVES += ["curious", "broken", "luminous", "forgotten", "recursive", "gentle", "restless"]
NOUNS = ["river", "index", "garden", "transaction", "cathedral", "algorithm", "orchestra"]
NOUNS += ["library", "storm", "theorem", "harbour", "lantern", "query", "mountain", "cipher"]
PLACES = ["Lisbon", "Kyoto", "the North", "Alexandria", "Vienna", "Samarkand", "the Archive"]
TOPICS = ["memory", "light", "consistency", "trade", "music", "stars", "cells", "language"]
TOPICS += ["time", "power", "rivers", "locks", "proofs", "maps", "empires", "silence"]
LANGUAGES = ["en", "en", "en", "fr", "de", "es", "it"]


def seed(*, size: str, log: Log) -> None:
    books, authors, members, loans = SIZES[size]
    rng = random.Random(20261122)
    rules = _seed_rules()
    categories = _seed_categories()
    author_ids = _seed_authors(authors, log)
    book_ids = _seed_books(books, categories, author_ids, rng, log)
    copy_ids = _seed_copies(book_ids, log)
    member_ids = _seed_members(members, rules, log)
    if not Loan.objects.exists():
        _seed_loans(loans, copy_ids, member_ids, rules, log)
        if size == "small":
            _seed_holds(member_ids)
    log(
        f"library: {Book.objects.count()} books, {Copy.objects.count()} copies, "
        f"{Member.objects.count()} members, {Loan.objects.count()} loans"
    )


def _seed_rules() -> dict[str, MemberCategory]:
    rules = {}
    for code, (name, days, loans, renewals, holds, fine, grace, cap, unpaid) in RULES.items():
        rules[code], _ = MemberCategory.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "loan_days": days,
                "max_loans": loans,
                "max_renewals": renewals,
                "hold_limit": holds,
                "daily_fine": Decimal(fine),
                "fine_grace_days": grace,
                "fine_cap": Decimal(cap),
                "max_unpaid_fines": Decimal(unpaid),
            },
        )
    return rules


def _seed_categories() -> list[int]:
    made: dict[str | None, Category] = {}
    for slug, (name, parent) in CATEGORIES.items():
        made[slug], _ = Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "parent": made.get(parent)}
        )
    return [category.pk for category in made.values()]


def _author_name(number: int) -> str:
    given = GIVEN[number % len(GIVEN)]
    family = FAMILY[(number // len(GIVEN)) % len(FAMILY)]
    generation = number // (len(GIVEN) * len(FAMILY))
    return f"{given} {family}" + (f" {generation + 1}" if generation else "")


def _seed_authors(count: int, log: Log) -> list[int]:
    wanted = [_author_name(number) for number in range(count)]
    existing = set(Author.objects.filter(name__in=wanted).values_list("name", flat=True))
    bulk_load(
        Author,
        (
            Author(name=name, born=1900 + number % 100)
            for number, name in enumerate(wanted)
            if name not in existing
        ),
        log=log,
        label="library authors",
        total=count - len(existing),
    )
    ids = dict(Author.objects.filter(name__in=wanted).values_list("name", "id"))
    return [ids[name] for name in wanted]


def _isbn(number: int) -> str:
    return f"978{number:010d}"


def _book(number: int, categories: list[int], rng: random.Random) -> Book:
    adjective, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS)
    place, topic = rng.choice(PLACES), rng.choice(TOPICS)
    words = rng.sample(TOPICS + NOUNS + ADJECTIVES, 12)
    return Book(
        title=f"The {adjective.title()} {noun.title()} of {place} {number}",
        subtitle=f"Essays on {topic} and {rng.choice(TOPICS)}",
        isbn=_isbn(number),
        language=LANGUAGES[number % len(LANGUAGES)],
        year=1950 + number % 75,
        summary=f"A study of {topic} through the {noun}: " + " ".join(words) + ".",
        category_id=categories[number % len(categories)],
    )


def _seed_books(
    count: int, categories: list[int], author_ids: list[int], rng: random.Random, log: Log
) -> list[int]:
    books = (_book(number, categories, rng) for number in range(count))
    bulk_load(Book, books, log=log, label="library books", total=count)
    isbn_to_id = dict(Book.objects.filter(isbn__startswith="978").values_list("isbn", "id"))
    book_ids = [isbn_to_id[_isbn(number)] for number in range(count)]
    links = (
        BookAuthor(
            book_id=book_id,
            author_id=author_ids[(number * 7 + position * 13) % len(author_ids)],
            position=position,
        )
        for number, book_id in enumerate(book_ids)
        for position in range(1, 2 + number % 3)  # one to three authors
    )
    total = sum(1 + number % 3 for number in range(count))
    bulk_load(BookAuthor, links, log=log, label="library book authors", total=total)
    return book_ids


def _barcode(book_number: int, copy_number: int) -> str:
    return f"B{book_number:07d}-{copy_number}"


def _seed_copies(book_ids: list[int], log: Log) -> list[int]:
    """One to five copies a book (three on average), in barcode order."""
    barcodes = [
        (book_id, _barcode(number, copy))
        for number, book_id in enumerate(book_ids)
        for copy in range(1 + number % 5)
    ]
    shelves = "ABCDEFGH"
    bulk_load(
        Copy,
        (
            Copy(barcode=code, book_id=book_id, shelf_location=f"{shelves[book_id % 8]}-{book_id}")
            for book_id, code in barcodes
        ),
        log=log,
        label="library copies",
        total=len(barcodes),
    )
    ids = dict(Copy.objects.filter(barcode__startswith="B").values_list("barcode", "id"))
    return [ids[code] for _, code in barcodes]


def _seed_members(count: int, rules: dict[str, MemberCategory], log: Log) -> list[int]:
    User = get_user_model()
    usernames = [f"reader{number:05d}" for number in range(count)]
    password = make_password(None)  # unusable: demo readers do not log in
    bulk_load(
        User,
        (
            User(username=name, email=f"{name}@campus.example", password=password)
            for name in usernames
        ),
        log=log,
        label="library readers",
        total=count,
    )
    user_ids = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
    kinds = [rules["student"]] * 8 + [rules["teacher"], rules["staff"]]
    bulk_load(
        Member,
        (
            Member(
                user_id=user_ids[name],
                category=kinds[number % len(kinds)],
                card_number=f"M{number:06d}",
            )
            for number, name in enumerate(usernames)
        ),
        log=log,
        label="library members",
        total=count,
    )
    return list(
        Member.objects.filter(card_number__startswith="M")
        .order_by("card_number")
        .values_list("id", flat=True)
    )


def _seed_loans(
    count: int,
    copy_ids: list[int],
    member_ids: list[int],
    rules: dict[str, MemberCategory],
    log: Log,
) -> None:
    """Returned history for most loans; one copy in ACTIVE_EVERY is on loan now (a few overdue)."""
    today = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    active_copies = copy_ids[::ACTIVE_EVERY]
    active = [
        _loan(copy_id, member_ids[number % len(member_ids)], today, number, returned=False)
        for number, copy_id in enumerate(active_copies)
    ]
    history = (
        _loan(
            copy_ids[(number * 7919) % len(copy_ids)],
            member_ids[(number * 31) % len(member_ids)],
            today,
            number,
            returned=True,
        )
        for number in range(count - len(active))
    )
    bulk_load(Loan, active, log=log, label="library current loans", total=len(active))
    bulk_load(Loan, history, log=log, label="library past loans", total=count - len(active))
    Copy.objects.filter(pk__in=active_copies).update(status=Copy.Status.ON_LOAN)
    analyze(Copy)  # a twentieth of the copies changed status
    _seed_fines(today, rules, log)


def _loan(copy_id: int, member_id: int, today: datetime, number: int, returned: bool) -> Loan:
    if not returned:  # lent 0..24 days ago for 21 days: about one in eight is overdue
        loaned = today - timedelta(days=number % 25)
        return Loan(
            copy_id=copy_id,
            member_id=member_id,
            loaned_at=loaned,
            due_at=loaned + timedelta(days=21),
        )
    loaned = today - timedelta(days=30 + number % 700)
    return Loan(
        copy_id=copy_id,
        member_id=member_id,
        loaned_at=loaned,
        due_at=loaned + timedelta(days=21),
        returned_at=loaned + timedelta(days=1 + number % 30),
    )


def _seed_fines(today: datetime, rules: dict[str, MemberCategory], log: Log) -> None:
    """Late returns were fined; all but the most recent ones have been paid."""
    fines = _fines(today, {rule.pk: rule for rule in rules.values()})
    bulk_load(Fine, fines, log=log, label="library fines")


def _fines(today: datetime, rules: dict[int, MemberCategory]) -> Iterator[Fine]:
    late = Loan.objects.filter(returned_at__isnull=False, returned_at__gt=F("due_at"))
    rows = late.values_list("id", "member_id", "member__category_id", "due_at", "returned_at")
    for loan_id, member_id, category_id, due, returned_at in rows.iterator(chunk_size=BATCH):
        returned = cast(datetime, returned_at)  # cast: the filter keeps returned loans only
        days = (returned.date() - due.date()).days
        amount = rules[category_id].fine_for(days)
        if amount > 0:
            recent = returned >= today - timedelta(days=60)
            yield Fine(
                loan_id=loan_id,
                member_id=member_id,
                amount=amount,
                overdue_days=days,
                assessed_at=returned,
                paid_at=None if recent else returned + timedelta(days=1),
            )


def _seed_holds(member_ids: list[int]) -> None:
    """A queue of two or three members on a few books that are all out."""
    busy = Book.objects.exclude(copies__status=Copy.Status.AVAILABLE).order_by("id").only("pk")
    for index, book in enumerate(busy[:6]):
        for offset in range(2 + index % 2):
            member = Member.objects.get(
                pk=member_ids[(index * 5 + offset * 3 + 1) % len(member_ids)]
            )
            try:
                services.hold_place(actor=None, member=member, book=book)
            except ServiceError:
                continue  # e.g. the member has this very book on loan
