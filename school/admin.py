"""Staff UI for terms, courses, sections, teaching, enrolment and preferences (the org chart's
admin is `people.admin`).

Every write goes through an audited service in `school.services`: terms, courses, sections and
teaching assignments through `<entity>_create/update/delete` (add, change, the delete page and
"Delete selected" alike; a row anything still refers to is refused with the reason: a term or
course with sections, a section with teaching or enrolments); the teaching inline of a section
through the teaching services; enrolments through `enrollment_update`, preferences through
`preferences_replace`."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from common.admin import ServiceWriteAdmin
from common.exceptions import ServiceError
from school import selectors, services
from school.models import Course, Enrollment, PersonPreferences, Section, TeachingAssignment, Term

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _SeatsTaken(TypedDict):
    seats_taken: int


class TimetableAdmin(ServiceWriteAdmin):
    """Add, change and delete through `school.services.<entity>_create/update/delete`, which
    name the row `keyword`."""

    entity = ""
    keyword = ""

    def service(self, verb: str) -> Callable[..., Any]:
        return getattr(services, f"{self.entity}_{verb}")

    def create_through_service(self, request: HttpRequest, fields: dict[str, Any]) -> Any:
        return self.service("create")(actor=request.user, **fields)

    def update_through_service(self, request: HttpRequest, obj: Any, fields: dict[str, Any]) -> Any:
        return self.service("update")(actor=request.user, **{self.keyword: obj}, **fields)

    def delete_through_service(self, request: HttpRequest, obj: Any) -> None:
        self.service("delete")(actor=request.user, **{self.keyword: obj})


@admin.register(Term)
class TermAdmin(TimetableAdmin):
    entity = keyword = "term"
    list_display = ["name", "code", "starts_on", "ends_on"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Course)
class CourseAdmin(TimetableAdmin):
    entity = keyword = "course"
    list_display = ["code", "title", "credits", "org_unit"]
    list_select_related = ["org_unit"]
    list_filter = ["org_unit"]
    search_fields = ["code", "title"]
    autocomplete_fields = ["org_unit"]


class TeachingInline(admin.TabularInline):
    model = TeachingAssignment
    extra = 0
    autocomplete_fields = ["teacher"]


class SectionForm(forms.ModelForm):
    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        try:
            services.section_check_capacity(self.instance, capacity)
        except ServiceError as error:
            raise forms.ValidationError(error.message) from error
        return capacity


def save_teaching(request: HttpRequest, formset: forms.BaseInlineFormSet) -> None:
    """The section's teaching inline, row by row through the teaching services (Django's
    `formset.save()` would write the rows directly, unaudited)."""
    formset.save(commit=False)  # sorts the rows into new, changed and deleted; writes nothing
    for row in formset.deleted_objects:
        services.teaching_assignment_delete(actor=request.user, assignment=row)
    for row, changed in formset.changed_objects:
        fields = {name: getattr(row, name) for name in changed}
        services.teaching_assignment_update(actor=request.user, assignment=row, **fields)
    for row in formset.new_objects:
        row.pk = services.teaching_assignment_create(
            actor=request.user, teacher=row.teacher, section=row.section, role=row.role
        ).pk


@admin.register(Section)
class SectionAdmin(TimetableAdmin):
    entity = keyword = "section"
    form = SectionForm
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
    def seats_taken(self, section: "WithAnnotations[Section, _SeatsTaken]") -> int:
        return section.seats_taken

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        save_teaching(request, formset)


@admin.register(TeachingAssignment)
class TeachingAssignmentAdmin(TimetableAdmin):
    entity, keyword = "teaching_assignment", "assignment"
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
        try:
            services.check_status_change(was=self.initial.get("status"), status=status)
        except ServiceError as error:
            raise forms.ValidationError(error.message) from error
        return status


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    """Enrolments are created by `enrollment_create` (the API); here staff grade and drop, through
    `enrollment_update`, so each change is audited."""

    form = EnrollmentForm

    list_display = ["student", "section", "status", "grade", "enrolled_at"]
    list_select_related = ["student", "section__course", "section__term"]
    list_filter = ["status", "section__term"]
    search_fields = ["student__family_name", "student__email", "section__course__code"]
    readonly_fields = ["student", "section", "enrolled_at"]
    date_hierarchy = "enrolled_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A dropped enrolment is kept as history (and re-used on re-enrolment): drop, never
        delete. This also removes "Delete selected"."""
        return False

    def save_model(self, request: HttpRequest, obj: Enrollment, form: Any, change: bool) -> None:
        services.enrollment_update(
            actor=request.user, enrollment=obj, status=obj.status, grade=obj.grade
        )


@admin.register(PersonPreferences)
class PersonPreferencesAdmin(admin.ModelAdmin):
    """The document is saved whole through `preferences_replace` (audited). No delete: a person's
    preferences go with the person; clearing them is a change to `{}`, audited like any other."""

    list_display = ["person", "updated_at"]
    list_select_related = ["person"]
    search_fields = ["person__family_name", "person__email"]
    autocomplete_fields = ["person"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["person"] if obj else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: PersonPreferences, form: Any, change: bool
    ) -> None:
        services.preferences_replace(actor=request.user, person=obj.person, data=obj.data)
