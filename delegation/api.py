"""The delegation API: staff CRUD for roles, assignments and delegations; graph questions; audit.

Views validate input, call one service or graph query, and serialize. Graph answers carry the
backend that answered and the query text it ran.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from common import telemetry
from common.pagination import CursorPagination, requested_page_size
from delegation import selectors, services
from delegation import serializers as s
from delegation.graph import get_graph

# Every write here commits outbox events: it answers with a token (`ConsistencyTokenMiddleware`).
TOKEN = OpenApiParameter(
    "Consistency-Token",
    str,
    OpenApiParameter.HEADER,
    response=True,
    description=(
        "The write's consistency token: opaque text (the outbox position of its newest event, "
        "and with a read replica `@` the WAL position of its commit). Pass it as "
        "`consistency=at_least_as_fresh:<token>` to the check endpoint, or back in this header "
        "on any read, for an answer that includes this write."
    ),
)


def valid(serializer_class: type[Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- staff CRUD -------------------------------------------------------------------------------
class StaffCrudViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List and retrieve through a selector; writes go through services (see subclasses)."""

    permission_classes = [IsAdminUser]

    def created(self, instance: Any) -> Response:
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)


class PermissionViewSet(StaffCrudViewSet):
    serializer_class = s.PermissionSerializer
    queryset = selectors.permission_list()
    filterset_fields = ["codename"]

    @extend_schema(
        request=s.PermissionSerializer, responses={201: s.PermissionSerializer}, parameters=[TOKEN]
    )
    def create(self, request: Request) -> Response:
        data = valid(s.PermissionSerializer, request.data)
        return self.created(services.permission_create(**data, actor=request.user))


class RoleViewSet(StaffCrudViewSet):
    serializer_class = s.RoleOutSerializer
    queryset = selectors.role_list()
    lookup_field = "code"
    filterset_fields = ["code"]

    @extend_schema(
        request=s.RoleInSerializer, responses={201: s.RoleOutSerializer}, parameters=[TOKEN]
    )
    def create(self, request: Request) -> Response:
        data = valid(s.RoleInSerializer, request.data)
        return self.created(services.role_create(**data, actor=request.user))

    @extend_schema(
        request=s.RoleUpdateSerializer, responses=s.RoleOutSerializer, parameters=[TOKEN]
    )
    def update(self, request: Request, code: str) -> Response:
        data = valid(s.RoleUpdateSerializer, request.data)
        role = services.role_update(role=self.get_object(), **data, actor=request.user)
        return Response(self.get_serializer(selectors.role_list().get(pk=role.pk)).data)

    @extend_schema(responses={204: None}, parameters=[TOKEN])
    def destroy(self, request: Request, code: str) -> Response:
        services.role_delete(role=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssignmentViewSet(StaffCrudViewSet):
    serializer_class = s.AssignmentOutSerializer
    queryset = selectors.assignment_list()
    filterset_fields = ["person", "role", "scope_unit"]
    # Newest first in keyset pages, like delegations: assignments grow with the staff.
    pagination_class = CursorPagination
    ordering_fields: list[str] = []

    @extend_schema(
        request=s.AssignmentInSerializer,
        responses={201: s.AssignmentOutSerializer},
        parameters=[TOKEN],
    )
    def create(self, request: Request) -> Response:
        data = valid(s.AssignmentInSerializer, request.data)
        return self.created(services.assignment_create(**data, actor=request.user))

    @extend_schema(
        request=s.AssignmentUpdateSerializer,
        responses=s.AssignmentOutSerializer,
        parameters=[TOKEN],
    )
    def update(self, request: Request, pk: str) -> Response:
        data = valid(s.AssignmentUpdateSerializer, request.data)
        assignment = services.assignment_update(
            assignment=self.get_object(), **data, actor=request.user
        )
        return Response(self.get_serializer(assignment).data)

    @extend_schema(responses={204: None}, parameters=[TOKEN])
    def destroy(self, request: Request, pk: str) -> Response:
        services.assignment_delete(assignment=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DelegationViewSet(StaffCrudViewSet):
    """Delegations are revoked, never deleted: the record of who lent what stays. PUT replaces
    every term and requires them all; there is no PATCH, so no write leaves a term to a default."""

    serializer_class = s.DelegationOutSerializer
    queryset = selectors.delegation_list()
    filterset_fields = ["delegator", "delegatee", "permission", "role"]
    # Newest first in keyset pages: the table grows with every loan of authority.
    pagination_class = CursorPagination
    ordering_fields: list[str] = []

    @extend_schema(
        request=s.DelegationInSerializer,
        responses={201: s.DelegationOutSerializer},
        parameters=[TOKEN],
    )
    def create(self, request: Request) -> Response:
        data = valid(s.DelegationInSerializer, request.data)
        return self.created(services.delegation_create(**data, actor=request.user))

    @extend_schema(
        request=s.DelegationTermsSerializer, responses=s.DelegationOutSerializer, parameters=[TOKEN]
    )
    def update(self, request: Request, pk: str) -> Response:
        data = valid(s.DelegationTermsSerializer, request.data)
        delegation = services.delegation_update(
            delegation=self.get_object(), **data, actor=request.user
        )
        return Response(self.get_serializer(delegation).data)

    @extend_schema(
        request=s.RevokeSerializer, responses=s.DelegationOutSerializer, parameters=[TOKEN]
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        data = valid(s.RevokeSerializer, request.data)
        delegation = services.delegation_revoke(
            delegation=self.get_object(), at=data.get("at"), actor=request.user
        )
        return Response(self.get_serializer(delegation).data)


class AuditViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The append-only audit log, newest first, in cursor pages."""

    permission_classes = [IsAdminUser]
    serializer_class = s.AuditEntrySerializer
    queryset = selectors.audit_list()
    pagination_class = CursorPagination
    filterset_fields = ["entity", "entity_id", "action"]
    ordering_fields: list[str] = []


# --- graph questions --------------------------------------------------------------------------
class GraphQuestionView(APIView):
    permission_classes = [IsAuthenticated]

    def query(self, serializer_class: type[s.AtQuerySerializer]) -> s.AtQuerySerializer:
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer

    def answer(self, serializer_class: type[Serializer], payload: dict[str, Any]) -> Response:
        """The answer, with its query text only for those who may see the internals."""
        if not telemetry.shows_internals(self.request):
            payload = {**payload, "query": ""}
        return Response(serializer_class({**payload, "backend": get_graph().name}).data)


class CheckView(GraphQuestionView):
    @extend_schema(parameters=[s.CheckQuerySerializer], responses=s.CheckResultSerializer)
    def get(self, request: Request) -> Response:
        query = self.query(s.CheckQuerySerializer)
        person = selectors.person_get(query.validated_data["person"])
        graph = selectors.graph_for(actor=request.user, about=[person.pk])
        result = graph.consistent_check(
            person.pk,
            query.validated_data["permission"],
            query.moment(),
            consistency=query.validated_data["consistency"],
        )
        return self.answer(s.CheckResultSerializer, result.as_dict())


class WhoCanView(GraphQuestionView):
    @extend_schema(parameters=[s.WhoCanQuerySerializer], responses=s.WhoCanSerializer)
    def get(self, request: Request) -> Response:
        query = self.query(s.WhoCanQuerySerializer)
        limit = requested_page_size(request, 50)
        page = selectors.graph_for(actor=request.user, about=None).who_can(
            query.validated_data["permission"],
            query.moment(),
            after=query.validated_data["cursor"],
            limit=limit,
        )
        return self.answer(s.WhoCanSerializer, vars(page))


class WhatCanView(GraphQuestionView):
    @extend_schema(parameters=[s.PersonQuerySerializer], responses=s.WhatCanSerializer)
    def get(self, request: Request) -> Response:
        query = self.query(s.PersonQuerySerializer)
        person = selectors.person_get(query.validated_data["person"])
        graph = selectors.graph_for(actor=request.user, about=[person.pk])
        return self.answer(s.WhatCanSerializer, vars(graph.what_can(person.pk, query.moment())))


class PathsView(GraphQuestionView):
    @extend_schema(parameters=[s.PathsQuerySerializer], responses=s.PathsSerializer)
    def get(self, request: Request) -> Response:
        query = self.query(s.PathsQuerySerializer)
        data = query.validated_data
        source = selectors.person_get(data["source"], field="source")
        target = selectors.person_get(data["target"], field="target")
        graph = selectors.graph_for(actor=request.user, about=[source.pk, target.pk])
        result = graph.paths(
            source.pk, target.pk, query.moment(), k=data["k"], permission=data.get("permission")
        )
        return self.answer(s.PathsSerializer, vars(result))


class ManagerChainView(GraphQuestionView):
    @extend_schema(parameters=[s.PersonQuerySerializer], responses=s.OrgAnswerSerializer)
    def get(self, request: Request) -> Response:
        query = self.query(s.PersonQuerySerializer)
        person = selectors.person_get(query.validated_data["person"])
        graph = selectors.graph_for(actor=request.user, about=[person.pk])
        answer = graph.manager_chain(person.pk, query.moment())
        return self.answer(s.OrgAnswerSerializer, vars(answer))


class ReportsView(GraphQuestionView):
    @extend_schema(parameters=[s.PersonQuerySerializer], responses=s.OrgAnswerSerializer)
    def get(self, request: Request) -> Response:
        query = self.query(s.PersonQuerySerializer)
        person = selectors.person_get(query.validated_data["person"])
        graph = selectors.graph_for(actor=request.user, about=[person.pk])
        return self.answer(s.OrgAnswerSerializer, vars(graph.reports(person.pk, query.moment())))


class CommonManagerView(GraphQuestionView):
    @extend_schema(parameters=[s.PairQuerySerializer], responses=s.OrgAnswerSerializer)
    def get(self, request: Request) -> Response:
        query = self.query(s.PairQuerySerializer)
        a = selectors.person_get(query.validated_data["a"], field="a")
        b = selectors.person_get(query.validated_data["b"], field="b")
        graph = selectors.graph_for(actor=request.user, about=[a.pk, b.pk])
        answer = graph.lowest_common_manager(a.pk, b.pk, query.moment())
        return self.answer(s.OrgAnswerSerializer, vars(answer))


class UnitTreeView(GraphQuestionView):
    @extend_schema(parameters=[s.UnitQuerySerializer], responses=s.UnitTreeSerializer)
    def get(self, request: Request) -> Response:
        data = valid(s.UnitQuerySerializer, request.query_params)
        unit = selectors.unit_get(data["unit"]) if "unit" in data else None
        graph = selectors.graph_for(actor=request.user, about=[])
        answer = graph.unit_tree(unit.pk if unit else None)
        return self.answer(s.UnitTreeSerializer, vars(answer))
