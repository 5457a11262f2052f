"""Template tags of the admin's own pages: the staff groups a groupless account may ask for."""

from __future__ import annotations

from django import template

from common import staff_groups

register = template.Library()


@register.simple_tag
def staff_group_list() -> list[staff_groups.StaffGroup]:
    return sorted(staff_groups.GROUPS.values(), key=lambda group: group.name)
