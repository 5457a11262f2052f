from django.contrib import admin

from school.models import OrgUnit, Person, ReportingLine


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
