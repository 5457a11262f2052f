"""HTML pages of the org chart: the unit tree, and each unit's people with their managers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from common import graphviz
from common.exceptions import NotFoundError
from people import selectors


@login_required
def unit_tree(request: HttpRequest) -> HttpResponse:
    """Every unit, indented under its parent, with its head count (one query), and the same
    tree drawn by graphviz: the shape of the chart is easier to see than to read."""
    rows = selectors.org_unit_tree_rows()
    nodes = [
        {
            "id": unit.pk,
            "name": unit.name,
            "parent": unit.parent_id,
            "people": unit.head_count,  # type: ignore[attr-defined]  # annotated by the selector
        }
        for unit, _ in rows
    ]
    picture = (
        graphviz.render(graphviz.org_dot(nodes, None, "org units", count="people"))
        if rows
        else None
    )
    return render(request, "people/unit_tree.html", {"rows": rows, "picture": picture})


@login_required
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One unit's people, each with their current manager (three queries)."""
    try:
        unit = selectors.org_unit_get(code=code)
    except NotFoundError as missing:
        raise Http404(missing.message) from None
    members = list(selectors.people_in_unit(unit=unit))
    managers = selectors.current_managers(
        person_ids=[person.pk for person in members], at=timezone.now()
    )
    rows = [(person, managers.get(person.pk)) for person in members]
    return render(request, "people/unit_detail.html", {"unit": unit, "rows": rows})
