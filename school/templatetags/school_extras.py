"""Template helpers for the directory explorer."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """`mapping[key]`, for keys held in variables (`{{ row|get_item:part }}`)."""
    return mapping.get(key)
