"""Staff UI for terms, courses, sections, teaching, enrolment and preferences (the org chart's
admin is `people.admin`)."""

from typing import TYPE_CHECKING, TypedDict

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from school import selectors
from school.models import Course, Enrollment, PersonPreferences, Section, TeachingAssignment, Term

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _SeatsTaken(TypedDict):
    seats_taken: int


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
    def seats_taken(self, section: "WithAnnotations[Section, _SeatsTaken]") -> int:
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
