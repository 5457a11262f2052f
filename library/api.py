"""Library API: the catalogue (public reads), circulation (members see their own rows, circulation
staff see all and act for anyone), and the loading-strategy lab."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.pagination import BasePagination
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from common import idempotency
from common.cache.readthrough import read_one
from common.exceptions import ForbiddenError, error_body
from common.pagination import BoundedCountPagination, CursorPagination, RankedPaginator
from library import caching, lab, policies, selectors, services
from library.caching import SEARCHES
from library.filters import BookFilter, CopyFilter, EventFilter, HoldFilter, LoanFilter
from library.models import Member
from library.serializers import (
    AuthorSerializer,
    BookDetailSerializer,
    BookInputSerializer,
    BookSerializer,
    CategorySerializer,
    CheckoutInputSerializer,
    CheckoutResultSerializer,
    CirculationEventSerializer,
    CopyInputSerializer,
    CopySerializer,
    CopyUpdateSerializer,
    FineSerializer,
    HoldInputSerializer,
    HoldSerializer,
    LabQuerySerializer,
    LoanSerializer,
    MemberCategorySerializer,
    MemberSerializer,
    ReturnResultSerializer,
    StrategyReportSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="A rule refused the request (error body names the code)."),
    403: OpenApiResponse(description="The caller may not circulate for others."),
    404: OpenApiResponse(description="No such row, or not yours."),
    409: OpenApiResponse(description="Conflicts with the current state, e.g. copy_on_loan."),
}


class CanCirculate(BasePermission):
    """The desk's door: circulation staff only (`library.policies.may_circulate`). The services
    ask the policy again for the member they act for."""

    message = "You may not circulate library items."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return policies.may_circulate(actor=request.user)


# --- Catalogue: anyone reads, staff write -----------------------------------------------------
class IsStaffOrReadOnly(BasePermission):
    message = "Catalogue changes need staff rights."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or bool(request.user and request.user.is_staff)


class CatalogueKeyset(CursorPagination):
    ordering = ("title", "id")  # book_title_id_idx


class CachedRankingPaginator(RankedPaginator):
    """A `RankedPaginator` whose count and page keys are read through the search cache
    (`library.caching.SEARCHES`, one slot per query string and page); the rows never are."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, ident: str | None) -> None:
        super().__init__(object_list, per_page)
        self.ident = ident

    def page(self, number: int | str) -> Page:
        if self.ident is None:
            return super().page(number)
        slot = f"{self.ident}:{number}"
        ranking = read_one(SEARCHES, slot, lambda: self._ranking(number)).of(SEARCHES)[slot]
        # The cached count stands in for the count query (a cached_property: set, not called).
        self.__dict__["count"], self.exact = ranking["count"], ranking["exact"]
        return Page(self.rows(ranking["keys"]), self.validate_number(number), self)

    def _ranking(self, number: int | str) -> dict[str, Any]:
        keys = self.keys(self.validate_number(number))  # an invalid page raises: nothing cached
        return {"count": self.count, "exact": self.exact, "keys": keys}


class SearchPagination(BoundedCountPagination):
    """A search's numbered pages, its rankings cached per query string (`library.caching`)."""

    def django_paginator_class(  # type: ignore[override]  # DRF calls the class; a factory too
        self, object_list: QuerySet[Any], per_page: int
    ) -> CachedRankingPaginator:
        assert self.request is not None  # set by paginate_queryset before it calls this
        ident = caching.search_ident(self.request.query_params, self.page_query_param)
        return CachedRankingPaginator(object_list, per_page, ident=ident)


class BookPagination(BasePagination):
    """The catalogue in keyset pages by title (`cursor`); a search (`q`) in numbered pages.

    A search is ordered by relevance, a rank computed per request over every match: any page,
    first or deep, ranks them all, so a keyset would save nothing, and there is no index to
    serve the order. Its pages are numbered with a count bounded at `API_COUNT_CAP`, which also
    bounds how deep they go (the first `count` matches); each page's ranking is cached until the
    catalogue changes (`library.caching`).
    """

    def __init__(self) -> None:
        self.search = SearchPagination()
        self.keyset = CatalogueKeyset()
        self.active: BasePagination = self.keyset

    @staticmethod
    def is_search(request: Request) -> bool:
        return bool(request.query_params.get("q", "").strip())

    def paginate_queryset(
        self,
        queryset: QuerySet[Any, Any] | Sequence[Any],
        request: Request,
        view: APIView | None = None,
    ) -> list[Any] | None:
        self.active = self.search if self.is_search(request) else self.keyset
        return self.active.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        return self.active.get_paginated_response(data)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        answer = self.keyset.get_paginated_response_schema(schema)
        searched = self.search.get_paginated_response_schema(schema)["properties"]
        for name in ("count", "count_exact"):
            only = " Searches (`q`) only: the catalogue otherwise pages by `cursor`."
            answer["properties"][name] = {
                **searched[name],
                "description": searched[name].get("description", "Matches.") + only,
            }
        return answer

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        by_cursor = self.keyset.get_schema_operation_parameters(view)
        numbered = self.search.get_schema_operation_parameters(view)
        names = {parameter["name"] for parameter in by_cursor}
        return [*by_cursor, *(p for p in numbered if p["name"] not in names)]


class CopyKeyset(CursorPagination):
    ordering = "barcode"  # unique, so the barcode alone is the key


class FineKeyset(CursorPagination):
    ordering = ("-assessed_at", "-id")  # fine_assessed_idx


class AuthorKeyset(CursorPagination):
    ordering = ("name", "id")  # author_name_idx


class MemberKeyset(CursorPagination):
    ordering = "card_number"  # unique, so the card number alone is the key


class BookListView(generics.ListAPIView):
    """Books with authors (credit order), category and available copies; `q` searches (full
    text; titles close to the words when full text finds nothing). Without `q`: keyset pages by
    title (`cursor`); with `q`: numbered pages by relevance whose `count` stops at the cap
    (`count_exact` false beyond it)."""

    serializer_class = BookSerializer
    pagination_class = BookPagination
    filterset_class = BookFilter
    # Keyset pages need non-null, indexed ordering columns: title (then id) or id. (`year` is
    # nullable and is a filter, `year_min`/`year_max`.)
    ordering_fields = ["title", "id"]
    permission_classes = [IsStaffOrReadOnly]

    def get_queryset(self) -> QuerySet:
        return selectors.book_list()

    @extend_schema(request=BookInputSerializer, responses={201: BookDetailSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        data = _valid(BookInputSerializer, request.data)
        book = services.book_create(actor=request.user, **data)
        body = BookDetailSerializer(selectors.book_detail().get(pk=book.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class BookDetailView(generics.RetrieveAPIView):
    serializer_class = BookDetailSerializer
    permission_classes = [IsStaffOrReadOnly]

    def get_queryset(self) -> QuerySet:
        return selectors.book_detail()

    @extend_schema(request=BookInputSerializer, responses={200: BookDetailSerializer, **ERRORS})
    def patch(self, request: Request, pk: int) -> Response:
        book = self.get_object()
        data = _valid(BookInputSerializer, request.data, partial=True)
        services.book_update(actor=request.user, book=book, **data)
        return Response(BookDetailSerializer(self.get_queryset().get(pk=pk)).data)


class AuthorListView(generics.ListCreateAPIView):
    """Authors by name, in keyset pages (the catalogue's authors grow with it)."""

    serializer_class = AuthorSerializer
    pagination_class = AuthorKeyset
    ordering_fields = ["name", "id"]
    permission_classes = [IsStaffOrReadOnly]

    def get_queryset(self) -> QuerySet:
        return selectors.author_list()

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        serializer.instance = services.author_create(actor=self.request.user, **data)


class CategoryListView(generics.ListCreateAPIView):
    serializer_class = CategorySerializer
    permission_classes = [IsStaffOrReadOnly]

    def get_queryset(self) -> QuerySet:
        return selectors.category_list()

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        serializer.instance = services.category_create(actor=self.request.user, **data)


class CopyListView(generics.ListAPIView):
    """Copies by barcode, in keyset pages."""

    serializer_class = CopySerializer
    filterset_class = CopyFilter
    pagination_class = CopyKeyset
    ordering_fields = ["barcode"]
    permission_classes = [IsStaffOrReadOnly]

    def get_queryset(self) -> QuerySet:
        return selectors.copy_list()

    @extend_schema(request=CopyInputSerializer, responses={201: CopySerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        data = _valid(CopyInputSerializer, request.data)
        copy = services.copy_create(actor=request.user, **data)
        body = CopySerializer(self.get_queryset().get(pk=copy.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class CopyDetailView(generics.RetrieveAPIView):
    serializer_class = CopySerializer
    permission_classes = [IsStaffOrReadOnly]

    def get_queryset(self) -> QuerySet:
        return selectors.copy_list()

    @extend_schema(request=CopyUpdateSerializer, responses={200: CopySerializer, **ERRORS})
    def patch(self, request: Request, pk: int) -> Response:
        data = _valid(CopyUpdateSerializer, request.data)
        services.copy_update(actor=request.user, copy=self.get_object(), **data)
        return Response(CopySerializer(self.get_queryset().get(pk=pk)).data)


# --- Members and circulation lists ------------------------------------------------------------
class MemberCategoryListView(generics.ListAPIView):
    serializer_class = MemberCategorySerializer

    def get_queryset(self) -> QuerySet:
        return selectors.member_category_list()


class MemberListView(generics.ListAPIView):
    """All members for circulation staff; a member sees only their own membership. Keyset
    pages by card number."""

    serializer_class = MemberSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = MemberKeyset
    ordering_fields = ["card_number"]

    def get_queryset(self) -> QuerySet:
        return selectors.member_list(user=self.request.user)


class LoanListView(generics.ListAPIView):
    """Newest first, cursor-paginated (deep pages cost the same as the first)."""

    serializer_class = LoanSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = CursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = LoanFilter

    def get_queryset(self) -> QuerySet:
        return selectors.loan_list(user=self.request.user)


class FineListView(generics.ListAPIView):
    """Newest first, in keyset pages on (assessed_at, id)."""

    serializer_class = FineSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = FineKeyset
    ordering_fields: list[str] = []

    def get_queryset(self) -> QuerySet:
        return selectors.fine_list(user=self.request.user)


class EventListView(generics.ListAPIView):
    """The circulation log, newest first, cursor-paginated; circulation staff only."""

    serializer_class = CirculationEventSerializer
    permission_classes = [CanCirculate]
    pagination_class = CursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = EventFilter

    def get_queryset(self) -> QuerySet:
        return selectors.event_list()


# --- Circulation writes -----------------------------------------------------------------------
class CheckoutView(APIView):
    permission_classes = [CanCirculate]

    @extend_schema(
        request=CheckoutInputSerializer,
        responses={
            201: CheckoutResultSerializer,
            200: OpenApiResponse(
                CheckoutResultSerializer, "Partial mode, nothing lent: see `refused`."
            ),
            **ERRORS,
            **idempotency.RESPONSES,
        },
        parameters=[idempotency.PARAMETER],
        summary="Lend copies to a member",
        description=(
            "`all_or_nothing`: any refusal rolls everything back (409 `copy_on_loan` names the "
            "copy; 400 for limits and member blocks). `partial`: each copy in its own savepoint; "
            "`refused` lists the copies not lent and why. Refusals are logged either way. "
            "With an `Idempotency-Key`, a retry gets the first answer (refusals included) "
            "instead of lending again."
        ),
    )
    def post(self, request: Request) -> Response:
        return idempotency.respond_once(request, lambda: self._checkout(request))

    def _checkout(self, request: Request) -> Response:
        data = _valid(CheckoutInputSerializer, request.data)
        result = services.loan_checkout(
            actor=request.user,
            member=selectors.member_get(data["member"]),
            barcodes=data["copies"],
            mode=data["mode"],
        )
        code = status.HTTP_201_CREATED if result.loans else status.HTTP_200_OK
        return Response(CheckoutResultSerializer(result).data, status=code)


def _valid(serializer_class: type, data: Any, partial: bool = False) -> dict[str, Any]:
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class LoanReturnView(APIView):
    permission_classes = [CanCirculate]

    @extend_schema(request=None, responses={200: ReturnResultSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        loan = selectors.loan_get(pk, user=request.user)
        result = services.loan_return(actor=request.user, loan=loan)
        return Response(ReturnResultSerializer(_reloaded(result)).data)


def _reloaded(result: services.ReturnResult) -> services.ReturnResult:
    return services.ReturnResult(selectors.loan_detail(result.loan.pk), result.fine, result.hold)


class LoanRenewView(APIView):
    """Circulation staff renew any loan; a member may renew their own."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: LoanSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        loan = selectors.loan_get(pk, user=request.user)
        loan = services.loan_renew(actor=request.user, loan=loan)
        return Response(LoanSerializer(selectors.loan_detail(loan.pk)).data)


class HoldListView(generics.ListCreateAPIView):
    """Holds (own, or all for circulation staff), newest first in keyset pages (a closed hold
    has no queue position, so the queue's order cannot key a page); POST places a hold at the
    end of the queue."""

    serializer_class = HoldSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = HoldFilter
    pagination_class = CursorPagination
    ordering_fields: list[str] = []

    def get_queryset(self) -> QuerySet:
        return selectors.hold_list(user=self.request.user)

    @extend_schema(request=HoldInputSerializer, responses={201: HoldSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        data = _valid(HoldInputSerializer, request.data)
        hold = services.hold_place(
            actor=request.user,
            member=_named_or_own_member(request, data.get("member")),
            book=selectors.book_get(data["book"]),
        )
        body = HoldSerializer(self.get_queryset().get(pk=hold.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


def _named_or_own_member(request: Request, member_id: int | None) -> Member:
    """The member the body names, else the caller's own (whether the caller may act for it is
    the service's question to `library.policies`)."""
    if member_id is not None:
        return selectors.member_get(member_id, user=request.user)
    own = selectors.member_for_user(request.user)
    if own is None:
        raise ForbiddenError("You have no library membership; name the member.", field="member")
    return own


class HoldCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: HoldSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        hold = selectors.hold_get(pk, user=request.user)
        services.hold_cancel(actor=request.user, hold=hold)
        return Response(HoldSerializer(selectors.hold_get(pk, user=request.user)).data)


# --- Lab --------------------------------------------------------------------------------------
class LabView(APIView):
    """The same book list loaded under each strategy: queries, SQL, time and rows side by side.
    Measured as the lab page measures, and cached with it: one measurement per page size until a
    catalogue write, however many ask at once."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[LabQuerySerializer],
        responses={
            200: StrategyReportSerializer(many=True),
            400: ERRORS[400],
            503: OpenApiResponse(
                description="Another request is measuring this page size; retry after the "
                "seconds `Retry-After` gives (error code being_measured)."
            ),
        },
    )
    def get(self, request: Request) -> Response:
        query = _valid(LabQuerySerializer, request.query_params)
        try:
            reports = lab.page_measurement(query["limit"]).reports
        except lab.BeingMeasured:
            return _being_measured(query["limit"])
        if query.get("strategy"):
            reports = [report for report in reports if report.strategy == query["strategy"]]
        return Response(StrategyReportSerializer(reports, many=True).data)


def _being_measured(limit: int) -> Response:
    message = f"The lab is measuring {limit} books for another request; retry shortly."
    body = error_body(status.HTTP_503_SERVICE_UNAVAILABLE, "being_measured", message)
    headers = {"Retry-After": str(lab.RETRY_AFTER)}
    return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers=headers)
