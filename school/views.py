"""HTML pages of the school app: the directory explorer, where students watch the planner."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from common.exceptions import ServiceError
from people.models import Person
from school import directory, policies
from school.filters import DirectoryPersonFilter

PAGE_SIZE = 20
FIELDS = "name,email,kind"


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """A page of the directory with the expansions ticked, and where each part came from."""
    expand = ",".join(request.GET.getlist("expand"))
    use_cache = request.GET.get("cache", "on") == "on"
    error = ""
    try:
        plan = directory.Plan.parse(fields=FIELDS, expand=expand, use_cache=use_cache)
    except ServiceError as refused:
        plan, error = directory.Plan.parse(fields=FIELDS, expand=""), refused.message
    access = policies.directory_access(actor=request.user)
    search = DirectoryPersonFilter(request.GET, queryset=plan.queryset(), access=access)
    if not search.is_valid():
        error = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in search.errors.items())
    people = search.qs if search.is_valid() else plan.queryset().none()
    with directory.store_usage() as usage:
        page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
        answer = directory.resolve(plan, list(page.object_list), access=access)
    context = {
        "search": search.form,
        "kinds": Person.Kind.choices,
        "query": _query_without_page(request),
        "plan": plan,
        "expansions": directory.EXPANSIONS,
        "origin": directory.ORIGIN,
        "page": page,
        "answer": answer,
        "usage": usage,
        "error": error,
    }
    return render(request, "school/index.html", context)


def _query_without_page(request: HttpRequest) -> str:
    """The page's query string minus `page`, for the previous and next links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
