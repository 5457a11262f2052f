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
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from common.admin import ServiceWriteAdmin
from common.changelists import ScaledAdmin
from common.exceptions import ServiceError
from common.search import MATCH_CAP, all_words
from people.models import Person
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
            selectors.section_check_capacity(section=self.instance, capacity=capacity)
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
    """Staff grade, complete and drop here; taking a seat again is "Add enrollment", which goes
    through `enrollment_create` (capacity, clashes, the last-seat lock)."""

    class Meta:
        model = Enrollment
        fields = ["status", "grade"]

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        try:
            selectors.check_status_change(was=self.initial.get("status"), status=status)
        except ServiceError as error:
            raise forms.ValidationError(error.message) from error
        return status


def _picker(field: str) -> AutocompleteSelect:
    """The admin's search-as-you-type select for `Enrollment.<field>` (12,000 people would
    make a plain select of every row)."""
    return AutocompleteSelect(Enrollment._meta.get_field(field), admin.site)


class EnrollmentAddForm(forms.ModelForm):
    """Who and where; everything else is `enrollment_create`'s decision.

    The form's row is the pair's existing enrolment when there is one (a dropped one is taken
    up again by the service, which the unique (student, section) pair would refuse in a new
    row); the service then says why it refuses the rest.
    """

    class Meta:
        model = Enrollment
        fields = ["student", "section"]
        widgets = {"student": _picker("student"), "section": _picker("section")}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        student, section = data.get("student"), data.get("section")
        if student is not None and section is not None:
            existing = selectors.enrollment_of(student=student, section=section)
            self.instance = existing or self.instance
        return data


@admin.register(Enrollment)
class EnrollmentAdmin(ScaledAdmin):
    """ "Add enrollment" calls `enrollment_create`, as the API does: its refusals (full section,
    ended term, already enrolled, timetable clash, not a student...) come back as messages in
    its words, with the form filled in again. Staff grade and drop through `enrollment_update`,
    so each change is audited.

    No `date_hierarchy`: it lists the years present with `SELECT DISTINCT` over every enrolment;
    the year filter reads the index's two ends.
    """

    form = EnrollmentForm

    list_display = ["student", "section", "status", "grade", "enrolled_at"]
    list_select_related = ["student", "section__course", "section__term"]
    list_filter = ["status", "section__term"]
    search_fields = ["student__given_name", "student__family_name", "student__email"]
    search_help_text = (
        "Search by student: every word of the name, or part of the email (trigram indexes); "
        "or a course code exactly (PHY101)."
    )
    autocomplete_fields = ["student", "section"]
    readonly_fields = ["student", "section", "enrolled_at"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Enrollment], search_term: str
    ) -> tuple[QuerySet[Enrollment], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        students = all_words(["given_name", "family_name", "email"], term)
        by_student = Q(student__in=Person.objects.filter(students).values("pk")[:MATCH_CAP])
        in_course = Q(section__course__code__in=[term, term.upper()])
        return queryset.filter(by_student | in_course), False

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = EnrollmentAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.readonly_fields) if obj else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (
            ["student", "section", "enrolled_at", "status", "grade"]
            if obj
            else ["student", "section"]
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """A dropped enrolment is kept as history (and re-used on re-enrolment): drop, never
        delete. This also removes "Delete selected"."""
        return False

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """A refusal of `enrollment_create` rolls the add back (the admin's own transaction) and
        comes back to the add form with the student and section still chosen, and why."""
        try:
            return super().add_view(request, form_url, extra_context)
        except ServiceError as error:
            self.message_user(request, error.message, messages.ERROR)
            chosen = {name: request.POST.get(name, "") for name in ("student", "section")}
            return HttpResponseRedirect(f"{request.path}?{urlencode(chosen)}")

    def save_model(self, request: HttpRequest, obj: Enrollment, form: Any, change: bool) -> None:
        if not change:
            chosen = form.cleaned_data
            enrolled = services.enrollment_create(
                actor=request.user, student=chosen["student"], section=chosen["section"]
            )
            obj.pk, obj._state.adding = enrolled.pk, False
            return
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
