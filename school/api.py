"""The school API: the unified people directory, the course list and enrolment."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.cache.readthrough import read_one
from common.exceptions import NotFoundError, ServiceError
from common.pagination import PageNumberPagination
from school import directory, selectors, services
from school.caching import COURSE_LIST
from school.filters import CourseFilter, DirectoryPersonFilter
from school.models import Person
from school.serializers import (
    CourseSerializer,
    DirectoryPersonAnswerSerializer,
    DirectoryPersonSerializer,
    DirectoryQuerySerializer,
    EnrollmentCreateSerializer,
    EnrollmentSerializer,
)


def _plan(request: Request) -> directory.Plan:
    query = DirectoryQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return directory.Plan.parse(**{name: query.validated_data.get(name) for name in query.fields})


class _DirectoryView(GenericAPIView):
    permission_classes = [IsAuthenticated]  # emails, roles and grades are not public
    queryset = Person.objects.none()  # each request's queryset comes from its plan


class DirectoryPagination(PageNumberPagination):
    """Pages of the directory carry a `meta` object beside `results`."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["meta"] = {"$ref": "#/components/schemas/DirectoryMeta"}
        paginated["required"] = [*paginated.get("required", []), "meta"]
        return paginated


class PeopleView(_DirectoryView, ListAPIView):
    """People, with any expansions; `meta` says which store answered each part."""

    serializer_class = DirectoryPersonSerializer
    pagination_class = DirectoryPagination
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = DirectoryPersonFilter
    ordering_fields = ["family_name", "given_name", "email", "id"]

    @extend_schema(parameters=[DirectoryQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = _plan(request)
        with directory.store_usage() as usage:
            people = self.paginate_queryset(self.filter_queryset(plan.queryset()))
            answer = directory.resolve(plan, people)
        response = self.get_paginated_response(answer.rows)
        response.data["meta"] = {**answer.meta, "stores": usage}
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
            answer = directory.resolve(plan, [person])
        return Response({**answer.rows[0], "meta": {**answer.meta, "stores": usage}})


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


def _student_for(request: Request, student_id: int | None) -> int:
    """Staff enrol anyone; everyone else enrols the person linked to their account."""
    if student_id is not None and request.user.is_staff:
        return student_id
    own = selectors.person_id_of_user(user=request.user)
    if own is None:
        raise ServiceError("Your account has no person to enrol.", field="student")
    if student_id not in (None, own):
        raise PermissionDenied("Only staff may enrol someone else.")
    return own


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
        student_id = _student_for(request, data.validated_data.get("student"))
        enrollment = services.enrollment_create(
            student_id=student_id, section_id=data.validated_data["section"]
        )
        return Response(EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)


class EnrollmentDropView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: EnrollmentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        owner = selectors.enrollment_student_id(enrollment_id=pk)
        _student_for(request, owner)
        enrollment = services.enrollment_drop(enrollment_id=pk)
        return Response(EnrollmentSerializer(enrollment).data)
