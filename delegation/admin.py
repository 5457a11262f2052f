"""Staff UI for permissions, roles, assignments and delegations; audit log and outbox read-only.

Every save and every delete (the delete view and "Delete selected" alike) goes through
`delegation.services`, so the admin writes the same audit entries and outbox events as the API.
Forms run the services' rules in `clean()` so that a refused change shows its error next to the
field instead of failing on save; a refused delete shows its reason on Django's "cannot delete"
page. Delegations are never deleted, only revoked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from common.admin import ServiceDeleteAdmin
from common.changelists import IndexedSearchAdmin, year_filter
from common.exceptions import ServiceError
from common.search import MATCH_CAP, all_words
from delegation import selectors, services
from delegation.models import (
    Delegation,
    Permission,
    Role,
    RoleAssignment,
)
from people.models import Person


def add_service_error(form: forms.ModelForm, error: ServiceError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@admin.register(Permission)
class PermissionAdmin(ServiceDeleteAdmin):
    list_display = ["codename", "description"]
    search_fields = ["codename"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["codename"] if obj else []

    def save_model(self, request: HttpRequest, obj: Permission, form: Any, change: bool) -> None:
        if change:
            services.permission_update(
                permission=obj, description=obj.description, actor=request.user
            )
            return
        created = services.permission_create(
            codename=obj.codename, description=obj.description, actor=request.user
        )
        obj.pk = created.pk

    def delete_through_service(self, request: HttpRequest, obj: Permission) -> None:
        services.permission_delete(permission=obj, actor=request.user)


class RoleForm(forms.ModelForm):
    grants = forms.ModelMultipleChoiceField(
        Permission.objects.all(),
        required=False,
        widget=FilteredSelectMultiple("permissions", False),
    )
    parents = forms.ModelMultipleChoiceField(
        Role.objects.all(),
        required=False,
        label="Inherits",
        widget=FilteredSelectMultiple("roles", False),
    )

    class Meta:
        model = Role
        fields = ["code", "name", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["grants"].initial = list(self.instance.permissions.all())
            self.fields["parents"].initial = list(self.instance.inherits.all())
            self.fields["code"].disabled = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.instance.pk and "parents" in data:
            try:
                selectors.role_validate_inherits(role=self.instance, inherits=list(data["parents"]))
            except ServiceError as error:
                self.add_error("parents", error.message)
        return data


@admin.register(Role)
class RoleAdmin(ServiceDeleteAdmin):
    form = RoleForm
    list_display = ["code", "name", "description"]
    search_fields = ["code", "name"]

    def save_model(self, request: HttpRequest, obj: Role, form: RoleForm, change: bool) -> None:
        data = form.cleaned_data
        grants = {"permissions": list(data["grants"]), "inherits": list(data["parents"])}
        if change:
            services.role_update(
                role=obj, name=obj.name, description=obj.description, **grants, actor=request.user
            )
        else:
            created = services.role_create(
                code=obj.code,
                name=obj.name,
                description=obj.description,
                **grants,
                actor=request.user,
            )
            obj.pk = created.pk

    def delete_refusals(self, objs: Iterable[Model]) -> list[str]:
        return []  # its grants go with it (outbox events); assignments and delegations protect it

    def delete_through_service(self, request: HttpRequest, obj: Role) -> None:
        services.role_delete(role=obj, actor=request.user)


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["person", "role", "scope_unit", "valid_from", "valid_to"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ServiceDeleteAdmin):
    form = AssignmentForm
    list_display = ["person", "role", "scope_unit", "valid_from", "valid_to"]
    list_select_related = ["person", "role", "scope_unit"]
    list_filter = ["role"]
    search_fields = ["person__family_name", "person__given_name", "role__code"]
    autocomplete_fields = ["person", "role", "scope_unit"]
    date_hierarchy = "valid_from"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["person", "role", "valid_from"] if obj else []

    def save_model(
        self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool
    ) -> None:
        if change:
            services.assignment_update(
                assignment=obj, valid_to=obj.valid_to, scope_unit=obj.scope_unit, actor=request.user
            )
            return
        created = services.assignment_create(
            person=obj.person,
            role=obj.role,
            scope_unit=obj.scope_unit,
            valid_from=obj.valid_from,
            valid_to=obj.valid_to,
            actor=request.user,
        )
        obj.pk = created.pk

    def delete_through_service(self, request: HttpRequest, obj: RoleAssignment) -> None:
        services.assignment_delete(assignment=obj, actor=request.user)


class DelegationForm(forms.ModelForm):
    class Meta:
        model = Delegation
        fields = [
            "delegator",
            "delegatee",
            "permission",
            "role",
            "valid_from",
            "expires_at",
            "weight",
            "max_redelegations",
            "reason",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.instance.pk or self.errors:
            return data
        try:
            selectors.delegation_validate(
                delegator=data["delegator"],
                delegatee=data["delegatee"],
                permission=data.get("permission"),
                role=data.get("role"),
                valid_from=data["valid_from"],
                expires_at=data.get("expires_at"),
                max_redelegations=data["max_redelegations"],
            )
        except ServiceError as error:
            add_service_error(self, error)
        return data


@admin.register(Delegation)
class DelegationAdmin(IndexedSearchAdmin):
    """Search resolves the people first (trigram indexes on their names), then the delegations
    by delegator or delegatee (their indexes). No `date_hierarchy`: it lists the years present
    with `SELECT DISTINCT` over every delegation; the year filter reads MIN and MAX."""

    form = DelegationForm
    list_display = [
        "id",
        "delegator",
        "delegatee",
        "grant_label",
        "valid_from",
        "expires_at",
        "revoked_at",
        "max_redelegations",
        "weight",
    ]
    list_select_related = ["delegator", "delegatee", "permission", "role"]
    list_filter = ["permission", "role", year_filter("valid_from", "valid from")]
    search_fields = [
        "delegator__given_name",
        "delegator__family_name",
        "delegatee__given_name",
        "delegatee__family_name",
    ]
    search_help_text = (
        "Search by delegator or delegatee: every word of the name, or part of the email "
        f"(each reaches its first {MATCH_CAP:,} people)."
    )
    autocomplete_fields = ["delegator", "delegatee", "permission", "role"]
    actions = ["revoke_now"]

    def search_conditions(self, term: str) -> list[Q]:
        people = Person.objects.filter(all_words(["given_name", "family_name", "email"], term))
        keys = list(people.order_by().values_list("pk", flat=True)[:MATCH_CAP])
        return [Q(delegator_id__in=keys) | Q(delegatee_id__in=keys)] if keys else []

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = ["delegator", "delegatee", "permission", "role", "valid_from"]
        return [*fixed, "revoked_at", "created_by"] if obj else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the record of who lent what stays

    def save_model(self, request: HttpRequest, obj: Delegation, form: Any, change: bool) -> None:
        data: dict[str, Any] = {
            "expires_at": obj.expires_at,
            "weight": obj.weight,
            "max_redelegations": obj.max_redelegations,
            "reason": obj.reason,
        }
        if change:
            services.delegation_update(delegation=obj, **data, actor=request.user)
            return
        created = services.delegation_create(
            delegator=obj.delegator,
            delegatee=obj.delegatee,
            permission=obj.permission,
            role=obj.role,
            valid_from=obj.valid_from,
            **data,
            actor=request.user,
        )
        obj.pk = created.pk

    @admin.action(description="Revoke the selected delegations now")
    def revoke_now(self, request: HttpRequest, queryset: QuerySet[Delegation]) -> None:
        revoked, refused = 0, []
        for delegation in queryset:
            try:
                services.delegation_revoke(delegation=delegation, actor=request.user)
                revoked += 1
            except ServiceError as error:
                refused.append(f"#{delegation.pk}: {error.message}")
        self.message_user(request, f"Revoked {revoked} delegation(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, " ".join(refused), messages.WARNING)
