"""The API's JSON parser: DRF's, plus the limits a hostile body must not get past."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Deeper than any request the API defines; deep enough for none to hit it.
MAX_JSON_DEPTH = 32


def _children(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [*value.keys(), *value.values()]
    if isinstance(value, list):
        return value
    return []


def check_document(document: Any, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse nesting deeper than `max_depth` and strings that are not valid Unicode (a lone
    surrogate such as "\\ud800" parses, then fails whatever encodes it: the database, the
    error message). Walks with its own stack, so a deep document cannot exhaust Python's."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ParseError(
                    "JSON strings must be valid Unicode (no lone surrogates)."
                ) from None
            continue
        children = _children(value)
        if children and depth > max_depth:
            raise ParseError(f"JSON nested deeper than {max_depth} levels.")
        stack.extend((child, depth + 1) for child in children)


class GuardedJSONParser(JSONParser):
    """JSON bodies with bounded nesting and valid Unicode strings, else a 400."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            document = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.") from None
        check_document(document)
        return document
