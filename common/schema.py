"""The API's OpenAPI schema and its browsable pages, as their readers see them.

`AutoSchema` is drf-spectacular's, with the operations anyone may call marked `security: []`:
drf-spectacular lists every authentication scheme on every operation (adding an optional `{}`
only for `AllowAny` and `IsAuthenticatedOrReadOnly`), so Swagger UI drew a lock on the public
catalogue, the API index and the token endpoint alike. Which operations are public is asked of
the views' own permissions, so a new view needs no list kept here.

`view_description` is the browsable API's page text: DRF prints a view's docstring as it is
unless the markdown package is installed, so the `code` spans the schema's Markdown shows in
Swagger UI appeared there with their backticks.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from drf_spectacular import openapi
from rest_framework.request import Request
from rest_framework.views import APIView, get_view_description

CODE_SPAN = re.compile(r"`([^`]+)`")


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and self._anyone_may_call():
            operation["security"] = []  # public: Swagger UI draws no lock and sends no token
        return operation

    def _anyone_may_call(self) -> bool:
        """Whether every permission of the view lets an anonymous caller use this method."""
        request = HttpRequest()
        request.method = self.method
        request.user = AnonymousUser()
        anonymous = Request(request)
        anonymous.user = AnonymousUser()
        return all(
            permission.has_permission(anonymous, self.view)
            for permission in self.view.get_permissions()
        )


def view_description(view: APIView, html: bool = False) -> str | SafeString:
    """DRF's description of `view` (its docstring, dedented); on the browsable API's page, each
    paragraph with its `code` spans as <code>, as Swagger UI renders the same text."""
    description = get_view_description(view, html=False)
    if not html:
        return description
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", description) if p.strip()]
    return mark_safe("".join(f"<p>{_code_spans(escape(p))}</p>" for p in paragraphs))


def _code_spans(escaped: str) -> str:
    return CODE_SPAN.sub(r"<code>\1</code>", escaped)
