"""A django-debug-toolbar panel listing the graph queries of the request: backend, time, text."""

from __future__ import annotations

from typing import Any

from debug_toolbar.panels import Panel
from django.http import HttpRequest, HttpResponse

from common import telemetry


class GraphPanel(Panel):
    """Reads the request's `common.telemetry` events whose store is "graph"."""

    title = "Graph"
    template = "delegation/panels/graph.html"

    @property
    def nav_subtitle(self) -> str:
        stats = self.get_stats()
        if not stats:
            return ""
        return f"{stats['count']} calls in {stats['ms']:.2f} ms"

    def generate_stats(self, request: HttpRequest, response: HttpResponse) -> None:
        stats = telemetry.current()
        events = stats.of("graph") if stats else []
        self.record_stats(
            {
                "count": len(events),
                "ms": sum(event.seconds for event in events) * 1000,
                "queries": [_row(event) for event in events],
            }
        )


def _row(event: telemetry.StoreEvent) -> dict[str, Any]:
    return {
        "label": event.label,
        "backend": event.detail.get("backend", ""),
        "ms": round(event.seconds * 1000, 3),
        "query": event.detail.get("query", ""),
    }
