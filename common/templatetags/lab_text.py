"""Template filters of the lab pages: SQL laid out to be read, inline Markdown code as code."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from common import sql_text

register = template.Library()

_BACKTICKS = re.compile(r"`([^`]+)`")


@register.filter
def sql(text: str) -> str:
    """A statement re-indented if it came as one long line (show it in `<pre class="sql">`)."""
    return sql_text.readable(str(text))


@register.filter
def inline_code(text: str) -> SafeString:
    """Escaped text with each `backtick span` as <code>: the schema history is written in
    Markdown, and only its inline code needs rendering on the page."""
    escaped = escape(str(text))
    return mark_safe(_BACKTICKS.sub(r"<code>\1</code>", escaped))  # escaped above
