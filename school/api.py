"""The school API: the unified people directory, the course list and enrolment."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common import telemetry
from common.cache.readthrough import read_one
from common.exceptions import NotFoundError
from people import selectors as people_selectors
from people.api import NameKeyset
from people.models import Person
from school import directory, policies, selectors, services
from school.caching import COURSE_LIST
from school.filters import CourseFilter, DirectoryPersonFilter
from school.serializers import (
    CourseSerializer,
    DirectoryPersonAnswerSerializer,
    DirectoryPersonSerializer,
    DirectoryQuerySerializer,
    DirectReportSerializer,
    EnrollmentCreateSerializer,
    EnrollmentSerializer,
)


def _plan(request: Request) -> directory.Plan:
    query = DirectoryQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    # `.keys()`: iterating gives the names too, but djangorestframework-stubs types it as fields.
    names = query.fields.keys()
    return directory.Plan.parse(**{name: query.validated_data.get(name) for name in names})


class _DirectoryView(GenericAPIView):
    permission_classes = [IsAuthenticated]  # emails, roles and grades are not public
    queryset = Person.objects.none()  # each request's queryset comes from its plan
    access = policies.DirectoryAccess()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.access = policies.directory_access(actor=request.user)


class DirectoryFilterBackend(DjangoFilterBackend):
    """Hands the caller's access to the filters, so they match only what the caller sees."""

    def get_filterset_kwargs(self, request: Any, queryset: QuerySet, view: Any) -> dict[str, Any]:
        return {**super().get_filterset_kwargs(request, queryset, view), "access": view.access}


def _meta(request: Request, answer: directory.Answer, usage: dict[str, Any]) -> dict[str, Any]:
    """The answer's meta; its store timings and cache counts only for those who see the
    internals (`common.telemetry.shows_internals`), as `Server-Timing` is."""
    if not telemetry.shows_internals(request):
        return {name: value for name, value in answer.meta.items() if name != "cache"}
    return {**answer.meta, "stores": usage}


class DirectoryPagination(NameKeyset):
    """Keyset pages of the directory (by name unless `ordering` says otherwise), each with a
    `meta` object beside `results`."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["meta"] = {"$ref": "#/components/schemas/DirectoryMeta"}
        paginated["required"] = [*paginated.get("required", []), "meta"]
        return paginated


class PeopleView(_DirectoryView, ListAPIView):
    """People, with any expansions; `meta` says which store answered each part."""

    serializer_class = DirectoryPersonSerializer
    pagination_class = DirectoryPagination
    filter_backends = [DirectoryFilterBackend, OrderingFilter]
    filterset_class = DirectoryPersonFilter
    # Not by email: an order reveals what it sorts by.
    ordering_fields = ["family_name", "given_name", "id"]

    @extend_schema(parameters=[DirectoryQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Person]:
        return _plan(self.request).queryset()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = _plan(request)
        with directory.store_usage() as usage:
            # Never None: that is only without a pagination_class.
            page = self.paginate_queryset(self.filter_queryset(plan.queryset()))
            people = cast(list[Person], page)
            answer = directory.resolve(plan, people, access=self.access)
        response = self.get_paginated_response(answer.rows)
        response.data["meta"] = _meta(request, answer, usage)
        return response


class PersonView(_DirectoryView):
    """One person, with any expansions, and the same `meta` as the list."""

    serializer_class = DirectoryPersonAnswerSerializer

    @extend_schema(
        parameters=[DirectoryQuerySerializer],
        responses={200: DirectoryPersonAnswerSerializer, 404: OpenApiResponse(description="None")},
    )
    def get(self, request: Request, pk: int) -> Response:
        plan = _plan(request)
        with directory.store_usage() as usage:
            person = plan.queryset().filter(pk=pk).first()
            if person is None:
                raise NotFoundError(f"No person with id {pk}.")
            answer = directory.resolve(plan, [person], access=self.access)
        return Response({**answer.rows[0], "meta": _meta(request, answer, usage)})


class PersonReportsView(_DirectoryView, ListAPIView):
    """The people reporting directly to this person now, by name, in keyset pages; each with
    the count of their own direct reports, whose list is this route for them (deeper levels).
    Private like the `reports` part: the person, staff, and `school.view_directory` over their
    unit (`policies.directory_access`); anyone else gets a 403."""

    serializer_class = DirectReportSerializer
    pagination_class = NameKeyset
    filter_backends: list[Any] = []

    @extend_schema(
        responses={
            200: DirectReportSerializer(many=True),
            403: OpenApiResponse(description="Not someone whose reports you may see."),
            404: OpenApiResponse(description="No such person."),
        }
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Person]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no person to look up
            return Person.objects.none()
        manager = selectors.directory_person(person_id=self.kwargs["pk"])
        policies.check_sees_private(access=self.access, person=manager, part="reports")
        return selectors.direct_reports(manager_id=manager.pk)


class CourseListView(GenericAPIView):
    """Courses with their sections, teachers and seats taken; pages are cached until a change."""

    serializer_class = CourseSerializer
    filterset_class = CourseFilter
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self) -> QuerySet:
        return selectors.course_list()

    def _page(self) -> dict[str, Any]:
        courses = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(courses, many=True).data).data

    @extend_schema(responses=CourseSerializer(many=True))
    def get(self, request: Request) -> Response:
        ident = f"{request.get_host()}?{request.query_params.urlencode()}"
        read = read_one(COURSE_LIST, ident, self._page)
        response = Response(read.of(COURSE_LIST)[ident])
        response["X-Cache"] = "hit" if read.source(COURSE_LIST) == "cache" else "miss"
        return response


def _student(request: Request, student_id: int | None) -> Person:
    """The student named in the request, or the caller's own person when none is named."""
    if student_id is None:
        return policies.own_person(actor=request.user)
    return people_selectors.person_get(person_id=student_id, field="student")


class EnrollmentCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=EnrollmentCreateSerializer,
        responses={
            201: EnrollmentSerializer,
            409: OpenApiResponse(description="Section full, already enrolled or a clash"),
        },
    )
    def post(self, request: Request) -> Response:
        data = EnrollmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment = services.enrollment_create(
            actor=request.user,
            student=_student(request, data.validated_data.get("student")),
            section=selectors.section_get(section_id=data.validated_data["section"]),
        )
        return Response(EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)


class EnrollmentDropView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: EnrollmentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        enrollment = selectors.enrollment_get(enrollment_id=pk, actor=request.user)
        enrollment = services.enrollment_drop(actor=request.user, enrollment=enrollment)
        return Response(EnrollmentSerializer(enrollment).data)
