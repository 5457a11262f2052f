"""The people API: the org units and who belongs to each (the directory lives in `school`)."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated

from common.pagination import CursorPagination, PageNumberPagination
from people import selectors
from people.models import OrgUnit, Person
from people.serializers import OrgUnitSerializer, UnitMemberSerializer


class NameKeyset(CursorPagination):
    """People by name in keyset pages; `person_name_idx` serves the order."""

    ordering = ("family_name", "given_name", "id")


class OrgUnitListView(ListAPIView):
    """Every unit with its parent and head count, by name. Page numbers: units are few (one per
    department or class, 40 on the large seed) and the list is small enough to count."""

    permission_classes = [IsAuthenticated]
    serializer_class = OrgUnitSerializer
    pagination_class = PageNumberPagination

    def get_queryset(self) -> QuerySet[OrgUnit]:
        return selectors.org_unit_list()


class OrgUnitMembersView(ListAPIView):
    """The people of one unit, by name, in keyset pages."""

    permission_classes = [IsAuthenticated]
    serializer_class = UnitMemberSerializer
    pagination_class = NameKeyset
    ordering_fields = ["family_name", "given_name", "id"]

    def get_queryset(self) -> QuerySet[Person]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no unit to look up
            return Person.objects.none()
        return selectors.people_in_unit(unit=selectors.org_unit_get(code=self.kwargs["code"]))
