"""HTML pages of the blog: the post list, a post with its comments, and the schema lab page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from blog import selectors
from blog.schema_history import lab_history
from blog.schema_version import current_schema_version, schema_history
from common.exceptions import NotFoundError

PAGE_SIZE = 20

View = Callable[..., HttpResponse]


def schema_required(view: View) -> View:
    """Answer 503 with the versions and the command to run unless the blog schema is current."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        version = current_schema_version()
        if not version.is_current:
            context = {"version": version}
            return render(request, "blog/schema_out_of_date.html", context, status=503)
        return view(request, *args, **kwargs)

    return guarded


@schema_required
def post_list(request: HttpRequest) -> HttpResponse:
    posts = selectors.post_list(viewer=request.user)
    tag = request.GET.get("tag")
    if tag:
        posts = posts.filter(tags__slug=tag)
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "blog/post_list.html", {"page": page, "tag": tag})


@schema_required
def post_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        post = selectors.post_detail(slug=slug, viewer=request.user)
    except NotFoundError as error:
        raise Http404(error.message) from None
    comments = selectors.post_comments(post=post)
    return render(request, "blog/post_detail.html", {"post": post, "comments": comments})


def schema_lab(request: HttpRequest) -> HttpResponse:
    """For students: every step of the schema's history with its SQL, and what is applied.

    Never refused with a 503: it is the page that explains one.
    """
    steps = lab_history(connection)
    context = {
        "version": current_schema_version(),
        "steps": steps,
        "rebuilds": [m.name for step in steps for m in step.migrations if m.rebuilds_table],
        "history": schema_history(),
        "vendor": connection.vendor,
        "vendor_name": connection.display_name,
    }
    return render(request, "blog/schema_lab.html", context)
