from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

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


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "kind", "org_unit", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["org_unit"]
    search_fields = ["given_name", "family_name", "email"]
    autocomplete_fields = ["user", "org_unit"]


@admin.register(ReportingLine)
class ReportingLineAdmin(admin.ModelAdmin):
    list_display = ["person", "manager", "valid_from", "valid_to"]
    list_select_related = ["person", "manager"]
    autocomplete_fields = ["person", "manager"]
    date_hierarchy = "valid_from"


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
        taken = Count("enrollments", filter=Q(enrollments__status__in=Enrollment.ACTIVE))
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


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    """Seats are taken through `enrollment_create` (capacity, clashes, the last-seat lock), so
    staff add enrolments through the API or the student pages; here they grade and drop."""

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
