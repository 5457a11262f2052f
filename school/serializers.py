"""Input and output serializers of the school API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

from school.directory import EXPANSIONS, PROFILE_FIELDS
from school.models import Course, Enrollment, Section


class DirectoryQuerySerializer(serializers.Serializer):
    # DRF's metaclass pops declared fields off the class: `query.fields` stays the serializer's
    # BindingDict of fields, as annotated; the stubs take declared fields for class attributes.
    fields: BindingDict = serializers.CharField(  # type: ignore[assignment]
        required=False,
        help_text=f"Comma-separated profile fields to return (default all): "
        f"{', '.join(PROFILE_FIELDS)}.",
    )
    expand = serializers.CharField(
        required=False,
        help_text=f"Comma-separated parts to add: {', '.join(EXPANSIONS)}.",
    )


class _NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class _BoundedPeopleSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many there are in all.")
    items = _NamedRefSerializer(many=True, help_text="The first of them, nearest or by name.")
    next = serializers.CharField(
        allow_null=True, help_text="Where the rest are (a path), or null when `items` is all."
    )


class _ManagerChainSerializer(_BoundedPeopleSerializer):
    """The nearest managers first, up to the part's depth; `next` is the whole chain."""


class _ReportsSerializer(_BoundedPeopleSerializer):
    """Direct reports only, by name; `count` counts every direct report; `next` is a cursor
    page of `people/{id}/reports/`, each report with their own count, to go deeper."""


class DirectReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    title = serializers.CharField()
    unit_id = serializers.IntegerField(source="org_unit_id", allow_null=True)
    reports_count = serializers.IntegerField(help_text="Their own direct reports.")


class _UnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class _RoleSerializer(serializers.Serializer):
    role = serializers.CharField()
    scope_unit = serializers.IntegerField(allow_null=True)
    via = serializers.ChoiceField(choices=["assignment", "delegation"])


class _SectionRefSerializer(serializers.Serializer):
    section_id = serializers.IntegerField()
    section_code = serializers.CharField()
    course = serializers.CharField()
    title = serializers.CharField()
    term = serializers.CharField()


class _CourseEntrySerializer(_SectionRefSerializer):
    enrollment = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Enrollment.Status.choices)
    grade = serializers.CharField(
        required=False, help_text="Only for the student, their teachers and staff."
    )


class _TeachingEntrySerializer(_SectionRefSerializer):
    role = serializers.CharField()


class DirectoryPersonSerializer(serializers.Serializer):
    """A person as the directory returns one: the fields and expansions asked for (null = a
    store was down; see `meta.warnings`)."""

    id = serializers.IntegerField()
    name = serializers.CharField(required=False)
    given_name = serializers.CharField(required=False)
    family_name = serializers.CharField(required=False)
    email = serializers.EmailField(required=False)
    kind = serializers.CharField(required=False)
    title = serializers.CharField(required=False)
    active = serializers.BooleanField(required=False)
    unit_id = serializers.IntegerField(required=False, allow_null=True)
    unit = _UnitSerializer(required=False, allow_null=True)
    manager_chain = _ManagerChainSerializer(required=False, allow_null=True)
    reports = _ReportsSerializer(required=False, allow_null=True)
    roles = _RoleSerializer(many=True, required=False, allow_null=True)
    permissions = serializers.ListField(
        child=serializers.CharField(), required=False, allow_null=True
    )
    courses = _CourseEntrySerializer(many=True, required=False, allow_null=True)
    teaching = _TeachingEntrySerializer(many=True, required=False, allow_null=True)


class _StoreUsageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    ms = serializers.FloatField()


class DirectoryMetaSerializer(serializers.Serializer):
    # Popped off the class by DRF's metaclass: no clash with `BaseSerializer.partial`.
    partial = serializers.BooleanField(  # type: ignore[assignment]
        help_text="True when a store was down; see warnings."
    )
    warnings = serializers.ListField(child=serializers.CharField())
    sources = serializers.DictField(
        child=serializers.CharField(),
        help_text=(
            "Where each part came from: db (the primary), replica (the read replica), graph, "
            "cache, or cache+<store> when mixed."
        ),
    )
    hidden = serializers.ListField(
        child=serializers.CharField(),
        help_text="Parts withheld from at least one row (the access policy; see the README).",
    )
    cache = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Cache hits, stale entries and misses (where internals are shown).",
    )
    stores = serializers.DictField(
        child=_StoreUsageSerializer(),
        required=False,
        help_text="Calls and time per store for this answer (where internals are shown).",
    )


class DirectoryPersonAnswerSerializer(DirectoryPersonSerializer):
    meta = DirectoryMetaSerializer()


class TeacherSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="teacher.id")
    name = serializers.CharField(source="teacher.name")
    role = serializers.CharField()


class SectionSerializer(serializers.ModelSerializer):
    term = serializers.CharField(source="term.code")
    enrolled = serializers.IntegerField()
    seats_left = serializers.SerializerMethodField()
    teachers = TeacherSerializer(source="teaching", many=True)

    class Meta:
        model = Section
        fields = [
            "id",
            "code",
            "term",
            "weekday",
            "starts_at",
            "ends_at",
            "room",
            "capacity",
            "enrolled",
            "seats_left",
            "teachers",
        ]

    def get_seats_left(self, section: Any) -> int:
        return max(0, section.capacity - section.enrolled)


class CourseSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="org_unit.code", allow_null=True, default=None)
    sections = SectionSerializer(many=True)

    class Meta:
        model = Course
        fields = ["id", "code", "title", "credits", "unit", "sections"]


class EnrollmentCreateSerializer(serializers.Serializer):
    section = serializers.IntegerField()
    student = serializers.IntegerField(
        required=False, help_text="Staff only; others enrol themselves (their linked person)."
    )


class EnrollmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enrollment
        fields = ["id", "student", "section", "status", "grade", "enrolled_at"]
