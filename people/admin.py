"""Staff UI for the org chart. Saves and deletes (the delete view and "Delete selected" alike)
go through `people.services`, so each change is audited, reaches the graph outbox and announces
`org_changed` exactly as the API's writes do. A unit or person something still refers to cannot
be deleted: Django's "cannot delete" page says what refers to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join

from common.admin import ServiceDeleteAdmin
from common.changelists import IndexedSearchAdmin
from common.exceptions import ServiceError
from common.search import all_words, any_id, ids, present
from people import selectors, services
from people.models import OrgUnit, Person, ReportingLine


class OrgUnitForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["name", "code", "parent"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        try:
            selectors.org_unit_validate_parent(unit=self.instance, parent=data.get("parent"))
        except ServiceError as error:
            self.add_error("parent", error.message)
        return data


@admin.register(OrgUnit)
class OrgUnitAdmin(ServiceDeleteAdmin):
    form = OrgUnitForm
    list_display = ["name", "code", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"code": ["name"]}

    def save_model(self, request: HttpRequest, obj: OrgUnit, form: Any, change: bool) -> None:
        if change:
            services.org_unit_update(actor=request.user, unit=obj, name=obj.name, parent=obj.parent)
        else:
            obj.pk = services.org_unit_create(
                actor=request.user, code=obj.code, name=obj.name, parent=obj.parent
            ).pk

    def delete_through_service(self, request: HttpRequest, obj: OrgUnit) -> None:
        services.org_unit_delete(actor=request.user, unit=obj)


# Links from a person's page to their records in the apps above `people` (the library's loans,
# holds and fines of the member with the person's login), which register a function returning
# the links' HTML (or "") from their admin module: `people` cannot import them.
PersonLinks = Callable[[Person], str]
PERSON_LINKS: list[PersonLinks] = []


def register_person_links(links: PersonLinks) -> None:
    PERSON_LINKS.append(links)


PERSON_SEARCH = ["given_name", "family_name", "email"]


@admin.register(Person)
class PersonAdmin(IndexedSearchAdmin, ServiceDeleteAdmin):
    list_display = ["name", "email", "kind", "org_unit", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["org_unit"]
    search_fields = ["given_name", "family_name", "email"]
    search_help_text = (
        "Search by every word of the name (Ada Ngata) or any part of the email, in any case "
        "(trigram indexes on the names and the email)."
    )
    autocomplete_fields = ["user", "org_unit"]
    readonly_fields = ["elsewhere"]

    def search_conditions(self, term: str) -> list[Q]:
        return [all_words(PERSON_SEARCH, term)]

    @admin.display(description="records elsewhere")
    def elsewhere(self, person: Person) -> str:
        """The person's records in other apps (e.g. their library loans, holds and fines)."""
        found = [html for links in PERSON_LINKS if person.pk and (html := links(person))]
        return format_html_join(" · ", "{}", ((html,) for html in found)) if found else "-"

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        if change:
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            services.person_update(actor=request.user, person=obj, **changed)
            return
        fields = {name: form.cleaned_data.get(name) for name in services.PERSON_FIELDS}
        fields = {name: value for name, value in fields.items() if value is not None}
        obj.pk = services.person_create(actor=request.user, **fields).pk

    def delete_through_service(self, request: HttpRequest, obj: Person) -> None:
        services.person_delete(actor=request.user, person=obj)


class ReportingLineForm(forms.ModelForm):
    class Meta:
        model = ReportingLine
        fields = ["person", "manager", "valid_from", "valid_to"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.instance.pk or self.errors:
            return data
        try:
            selectors.reporting_line_validate(
                person=data["person"],
                manager=data["manager"],
                start=data["valid_from"],
                end=data.get("valid_to"),
            )
        except ServiceError as error:
            self.add_error("manager", error.message)
        return data


class LineStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("open", "Open (no end set)"), ("ended", "Ended or ending")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("open", "ended"):
            return queryset.filter(valid_to__isnull=self.value() == "open")
        return queryset


@admin.register(ReportingLine)
class ReportingLineAdmin(IndexedSearchAdmin, ServiceDeleteAdmin):
    """Lines are history: add a new one (it ends the open line) or set an end; never rewrite."""

    form = ReportingLineForm
    list_display = ["person", "manager", "valid_from", "valid_to"]
    list_select_related = ["person", "manager"]
    list_filter = [LineStateFilter, "person__kind", "person__org_unit"]
    search_fields = ["person__given_name", "person__family_name", "manager__family_name"]
    search_help_text = (
        "Search by every word of the name (Ada Ngata) or part of the email of the person or "
        "of their manager (trigram indexes, then the lines of those people)."
    )
    autocomplete_fields = ["person", "manager"]

    def search_conditions(self, term: str) -> list[Q]:
        people = ids(Person.objects.filter(all_words(PERSON_SEARCH, term)))
        return present([any_id("person_id", people), any_id("manager_id", people)])

    date_hierarchy = "valid_from"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["person", "manager", "valid_from"] if obj else []

    def save_model(self, request: HttpRequest, obj: ReportingLine, form: Any, change: bool) -> None:
        if change:
            services.reporting_line_end(actor=request.user, line=obj, at=obj.valid_to)
            return
        line = services.reporting_line_create(
            actor=request.user,
            person=obj.person,
            manager=obj.manager,
            valid_from=obj.valid_from,
            valid_to=obj.valid_to,
        )
        obj.pk = line.pk

    def delete_through_service(self, request: HttpRequest, obj: ReportingLine) -> None:
        services.reporting_line_delete(actor=request.user, line=obj)
