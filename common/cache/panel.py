"""A django-debug-toolbar panel: this request's hits, stale reads, misses, invalidations and
errors per cache family, beside the totals and each family's TTL."""

from __future__ import annotations

from debug_toolbar.panels import Panel
from django.http import HttpRequest, HttpResponse

from common.cache.counters import KINDS, counters, difference, hit_ratio
from common.cache.readthrough import family_ttl


class CacheCountersPanel(Panel):
    title = "Cache families"
    template = "common/cache_counters_panel.html"

    def process_request(self, request: HttpRequest) -> HttpResponse:
        # Requests served in parallel by a threaded runserver may blend into the difference;
        # the totals below stay exact.
        before = counters.families()
        response = super().process_request(request)
        self._request_counts = difference(counters.families(), before)
        return response

    def generate_stats(self, request: HttpRequest, response: HttpResponse) -> None:
        snapshot = counters.snapshot()
        self.record_stats(
            {
                "kinds": KINDS,
                "request": [
                    (family, [counts[kind] for kind in KINDS])
                    for family, counts in self._request_counts.items()
                ],
                "totals": [
                    (
                        family,
                        [counts[kind] for kind in KINDS],
                        counts["hit_ratio"],
                        family_ttl(family),
                    )
                    for family, counts in snapshot["families"].items()
                ],
                "scope": snapshot["scope"],
            }
        )

    @property
    def nav_subtitle(self) -> str:
        counts = dict.fromkeys(KINDS, 0)
        for _, values in self.get_stats().get("request", []):
            for kind, value in zip(KINDS, values, strict=True):
                counts[kind] += value
        ratio = hit_ratio(counts)
        share = f" ({ratio:.0%})" if ratio is not None else ""
        return f"{counts['hit']} hits, {counts['miss']} misses{share}"
