"""Input and output shapes of the library API."""

from __future__ import annotations

from rest_framework import serializers

from library.models import (
    Author,
    Book,
    Category,
    CirculationEvent,
    Copy,
    Fine,
    Hold,
    Loan,
    Member,
    MemberCategory,
)
from library.selectors import BOOK_ROW_STRATEGIES, book_refs
from library.services import CheckoutMode


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["id", "name", "born"]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "parent"]


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name"]


class BookAuthorRefSerializer(serializers.Serializer):
    """An author of a book, read from the prefetched `author_links` (credit order)."""

    id = serializers.IntegerField(source="author.id")
    name = serializers.CharField(source="author.name")
    position = serializers.IntegerField()


class BookSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer()
    authors = BookAuthorRefSerializer(source="author_links", many=True)
    available_copies = serializers.IntegerField()
    rank = serializers.SerializerMethodField(
        help_text="Search score (0..1) when `q` is given on PostgreSQL, else null."
    )

    class Meta:
        model = Book
        fields = [
            "id",
            "title",
            "subtitle",
            "isbn",
            "language",
            "year",
            "category",
            "authors",
            "available_copies",
            "rank",
        ]

    def get_rank(self, book: Book) -> float | None:
        scores = [getattr(book, name, None) for name in ("rank", "similarity")]
        present = [score for score in scores if score is not None]
        return round(max(present), 4) if present else None


class CopyBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Copy
        fields = ["id", "barcode", "shelf_location", "status"]


class BookDetailSerializer(BookSerializer):
    copies = CopyBriefSerializer(many=True)

    class Meta(BookSerializer.Meta):
        fields = [*BookSerializer.Meta.fields, "summary", "copies"]


class BookInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    subtitle = serializers.CharField(max_length=300, required=False, allow_blank=True)
    isbn = serializers.CharField(max_length=13, help_text="ISBN-10 or ISBN-13, no hyphens.")
    language = serializers.CharField(max_length=8, required=False)
    year = serializers.IntegerField(
        required=False, allow_null=True, min_value=-32768, max_value=32767
    )
    summary = serializers.CharField(required=False, allow_blank=True)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    authors = serializers.PrimaryKeyRelatedField(
        queryset=Author.objects.all(), many=True, required=False, help_text="In credit order."
    )


class CopyInputSerializer(serializers.Serializer):
    book = serializers.PrimaryKeyRelatedField(queryset=book_refs())
    barcode = serializers.CharField(max_length=32)
    shelf_location = serializers.CharField(max_length=60, required=False, allow_blank=True)


class CopyUpdateSerializer(serializers.Serializer):
    shelf_location = serializers.CharField(max_length=60, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Copy.Status.choices, required=False)


class CopySerializer(serializers.ModelSerializer):
    book_title = serializers.CharField(source="book.title", read_only=True)

    class Meta:
        model = Copy
        fields = ["id", "barcode", "book", "book_title", "shelf_location", "status"]


class MemberCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = MemberCategory
        fields = [
            "id",
            "code",
            "name",
            "loan_days",
            "max_loans",
            "max_renewals",
            "hold_limit",
            "daily_fine",
            "fine_grace_days",
            "fine_cap",
            "max_unpaid_fines",
        ]


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    category: serializers.SlugRelatedField[MemberCategory] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Member
        fields = ["id", "card_number", "username", "category", "active", "joined_at"]


class LoanSerializer(serializers.ModelSerializer):
    barcode = serializers.CharField(source="copy.barcode")
    book = serializers.IntegerField(source="copy.book_id")
    book_title = serializers.CharField(source="copy.book.title")
    card_number = serializers.CharField(source="member.card_number")

    class Meta:
        model = Loan
        fields = [
            "id",
            "copy",
            "barcode",
            "book",
            "book_title",
            "member",
            "card_number",
            "loaned_at",
            "due_at",
            "returned_at",
            "renewals_used",
        ]


class HoldSerializer(serializers.ModelSerializer):
    book_title = serializers.CharField(source="book.title")
    barcode = serializers.CharField(source="copy.barcode", allow_null=True, default=None)

    class Meta:
        model = Hold
        fields = [
            "id",
            "book",
            "book_title",
            "member",
            "position",
            "status",
            "barcode",
            "placed_at",
            "closed_at",
        ]


class FineSerializer(serializers.ModelSerializer):
    barcode = serializers.CharField(source="loan.copy.barcode")

    class Meta:
        model = Fine
        fields = [
            "id",
            "loan",
            "barcode",
            "member",
            "amount",
            "overdue_days",
            "assessed_at",
            "paid_at",
            "waived_at",
        ]


class CirculationEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)

    class Meta:
        model = CirculationEvent
        fields = [
            "id",
            "at",
            "action",
            "outcome",
            "reason",
            "message",
            "actor",
            "member",
            "copy",
            "barcode",
            "book",
        ]


# --- Circulation input and output -------------------------------------------------------------
class CheckoutInputSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1)
    copies = serializers.ListField(
        child=serializers.CharField(max_length=32), min_length=1, max_length=50
    )
    mode = serializers.ChoiceField(
        choices=[mode.value for mode in CheckoutMode], default=CheckoutMode.ALL_OR_NOTHING.value
    )


class RefusalSerializer(serializers.Serializer):
    copy = serializers.CharField(source="barcode")
    code = serializers.CharField()
    message = serializers.CharField()
    status = serializers.IntegerField()


class CheckoutResultSerializer(serializers.Serializer):
    loans = LoanSerializer(many=True)
    refused = RefusalSerializer(many=True)


class ReturnResultSerializer(serializers.Serializer):
    loan = LoanSerializer()
    fine = FineSerializer(allow_null=True)
    hold = HoldSerializer(allow_null=True, help_text="The hold the copy is now kept for.")


class HoldInputSerializer(serializers.Serializer):
    book = serializers.IntegerField(min_value=1)
    member = serializers.IntegerField(
        min_value=1, required=False, help_text="Defaults to the caller's own membership."
    )


# --- Lab --------------------------------------------------------------------------------------
class LabQuerySerializer(serializers.Serializer):
    strategy = serializers.ChoiceField(
        choices=list(BOOK_ROW_STRATEGIES), required=False, help_text="Omit to run them all."
    )
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)


class BookRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    category = serializers.CharField()
    authors = serializers.ListField(child=serializers.CharField())
    available = serializers.IntegerField()


class StrategyReportSerializer(serializers.Serializer):
    strategy = serializers.CharField()
    queries = serializers.IntegerField()
    milliseconds = serializers.FloatField()
    sql = serializers.ListField(child=serializers.CharField())
    rows = BookRowSerializer(many=True)
