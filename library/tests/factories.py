"""Test data for the library (factory-boy): small, explicit, one row per call."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from devtools.testing import ModelFactory
from library.models import (
    Author,
    Book,
    BookAuthor,
    Category,
    Copy,
    Hold,
    Loan,
    Member,
    MemberCategory,
)


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")


class MemberCategoryFactory(ModelFactory[MemberCategory]):
    class Meta:
        model = MemberCategory
        django_get_or_create = ["code"]

    code = "student"
    name = "Student"
    loan_days = 21
    max_loans = 3
    max_renewals = 2
    hold_limit = 2
    daily_fine = Decimal("0.50")
    fine_grace_days = 2
    fine_cap = Decimal("5.00")
    max_unpaid_fines = Decimal("2.00")


class MemberFactory(ModelFactory[Member]):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    category = factory.SubFactory(MemberCategoryFactory)
    card_number = factory.Sequence(lambda n: f"C{n:05d}")


class AuthorFactory(ModelFactory[Author]):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Author {n}")


class CategoryFactory(ModelFactory[Category]):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class BookFactory(ModelFactory[Book]):
    class Meta:
        model = Book

    title = factory.Sequence(lambda n: f"Book {n}")
    isbn = factory.Sequence(lambda n: f"{9780000000000 + n}")
    category = factory.SubFactory(CategoryFactory)
    year = 2000


class BookAuthorFactory(ModelFactory[BookAuthor]):
    class Meta:
        model = BookAuthor

    book = factory.SubFactory(BookFactory)
    author = factory.SubFactory(AuthorFactory)
    position = 1


class CopyFactory(ModelFactory[Copy]):
    class Meta:
        model = Copy

    barcode = factory.Sequence(lambda n: f"BC{n:06d}")
    book = factory.SubFactory(BookFactory)


class LoanFactory(ModelFactory[Loan]):
    """A loan row as the database sees it (not through the checkout service)."""

    class Meta:
        model = Loan

    # The copy's status agrees with the loan, as `library_verify` checks after every test.
    copy = factory.SubFactory(
        CopyFactory,
        status=factory.LazyAttribute(
            lambda copy: (
                Copy.Status.AVAILABLE if copy.factory_parent.returned_at else Copy.Status.ON_LOAN
            )
        ),
    )
    member = factory.SubFactory(MemberFactory)
    loaned_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    due_at = factory.LazyAttribute(lambda loan: loan.loaned_at + timedelta(days=21))
    returned_at = None


class HoldFactory(ModelFactory[Hold]):
    class Meta:
        model = Hold

    book = factory.SubFactory(BookFactory)
    member = factory.SubFactory(MemberFactory)
    position = 1
