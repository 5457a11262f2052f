"""Staff UI for the org chart. Saves go through `school.services`, so each change reaches the
graph outbox and announces `org_changed` exactly as the API's writes do."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from common.exceptions import ServiceError
from school import selectors, services
from school.models import (
    Course,
    Enrollment,
    OrgUnit,
    Person,
    PersonPreferences,
    ReportingLine,
    Section,
    TeachingAssignment,
    Term,
)


class OrgUnitForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["name", "code", "parent"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            services.org_unit_validate_parent(self.instance, data.get("parent"))
        except ServiceError as error:
            self.add_error("parent", error.message)
        return data


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    form = OrgUnitForm
    list_display = ["name", "code", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"code": ["name"]}

    def save_model(self, request: HttpRequest, obj: OrgUnit, form: Any, change: bool) -> None:
        if change:
            services.org_unit_update(unit=obj, name=obj.name, parent=obj.parent)
        else:
            obj.pk = services.org_unit_create(code=obj.code, name=obj.name, parent=obj.parent).pk


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "kind", "org_unit", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["org_unit"]
    search_fields = ["given_name", "family_name", "email"]
    autocomplete_fields = ["user", "org_unit"]

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        if change:
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            services.person_update(person=obj, **changed)
            return
        fields = {name: form.cleaned_data.get(name) for name in services.PERSON_FIELDS}
        fields = {name: value for name, value in fields.items() if value is not None}
        obj.pk = services.person_create(**fields).pk


class ReportingLineForm(forms.ModelForm):
    class Meta:
        model = ReportingLine
        fields = ["person", "manager", "valid_from", "valid_to"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk or self.errors:
            return data
        try:
            services.reporting_line_validate(
                person=data["person"],
                manager=data["manager"],
                start=data["valid_from"],
                end=data.get("valid_to"),
            )
        except ServiceError as error:
            self.add_error("manager", error.message)
        return data


@admin.register(ReportingLine)
class ReportingLineAdmin(admin.ModelAdmin):
    """Lines are history: add a new one (it ends the open line) or set an end; never rewrite."""

    form = ReportingLineForm
    list_display = ["person", "manager", "valid_from", "valid_to"]
    list_select_related = ["person", "manager"]
    autocomplete_fields = ["person", "manager"]
    date_hierarchy = "valid_from"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["person", "manager", "valid_from"] if obj else []

    def save_model(self, request: HttpRequest, obj: ReportingLine, form: Any, change: bool) -> None:
        if change:
            services.reporting_line_end(line=obj, at=obj.valid_to)
            return
        line = services.reporting_line_create(
            person=obj.person, manager=obj.manager, valid_from=obj.valid_from, valid_to=obj.valid_to
        )
        obj.pk = line.pk


# --- The directory -------------------------------------------------------------------------------


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "starts_on", "ends_on"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "credits", "org_unit"]
    list_select_related = ["org_unit"]
    list_filter = ["org_unit"]
    search_fields = ["code", "title"]
    autocomplete_fields = ["org_unit"]


class TeachingInline(admin.TabularInline):
    model = TeachingAssignment
    extra = 0
    autocomplete_fields = ["teacher"]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "weekday", "starts_at", "ends_at", "capacity", "seats_taken"]
    list_select_related = ["course", "term"]
    list_filter = ["term", "weekday"]
    search_fields = ["course__code", "course__title", "code"]
    autocomplete_fields = ["course", "term"]
    inlines = [TeachingInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Section]:
        taken = selectors.active_enrollment_count()
        return super().get_queryset(request).annotate(seats_taken=taken)

    @admin.display(ordering="seats_taken", description="seats taken")
    def seats_taken(self, section: Section) -> int:
        return section.seats_taken


@admin.register(TeachingAssignment)
class TeachingAssignmentAdmin(admin.ModelAdmin):
    list_display = ["teacher", "section", "role"]
    list_select_related = ["teacher", "section__course", "section__term"]
    list_filter = ["role"]
    search_fields = ["teacher__family_name", "section__course__code"]
    autocomplete_fields = ["teacher", "section"]


class EnrollmentForm(forms.ModelForm):
    """Staff grade, complete and drop here; taking a seat again goes through `enrollment_create`
    (capacity, clashes, the last-seat lock), which the admin cannot honour."""

    class Meta:
        model = Enrollment
        fields = ["status", "grade"]

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        was = self.initial.get("status")
        if status == Enrollment.Status.ENROLLED and was != Enrollment.Status.ENROLLED:
            raise forms.ValidationError(
                "Re-enrol through the API: it checks seats and the student's timetable."
            )
        return status


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    """Enrolments are created by `enrollment_create` (the API); here staff grade and drop."""

    form = EnrollmentForm

    list_display = ["student", "section", "status", "grade", "enrolled_at"]
    list_select_related = ["student", "section__course", "section__term"]
    list_filter = ["status", "section__term"]
    search_fields = ["student__family_name", "student__email", "section__course__code"]
    readonly_fields = ["student", "section", "enrolled_at"]
    date_hierarchy = "enrolled_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PersonPreferences)
class PersonPreferencesAdmin(admin.ModelAdmin):
    list_display = ["person", "updated_at"]
    list_select_related = ["person"]
    search_fields = ["person__family_name", "person__email"]
    autocomplete_fields = ["person"]
