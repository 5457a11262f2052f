"""A django-debug-toolbar panel: this request's hits, stale reads, misses, invalidations and
errors per cache family, beside the totals and each family's TTL.

It also reconciles its numbers with the stock Cache panel's, which sees Django's cache methods
only: a read-through page asks for each entry *and* its generation tokens
(`common.cache.readthrough`) as bytes in one MGET (`get_many_bytes`), which the stock panel does
not see, and a token exists only once something was invalidated. The panel shows how many keys
of each kind this request asked for and found, read through `readthrough.tally_keys()`, and the
stock panel's public stats as the other callers' share; nothing of the stock panel is
overridden.
"""

from __future__ import annotations

from typing import Any

from debug_toolbar.panels import Panel
from django.http import HttpRequest, HttpResponse

from common.cache.counters import KINDS, counters, difference, hit_ratio
from common.cache.readthrough import KeyTally, family_ttl, tally_keys

STOCK_PANEL = "CachePanel"


class CacheCountersPanel(Panel):
    title = "Cache families"
    template = "common/cache_counters_panel.html"

    def process_request(self, request: HttpRequest) -> HttpResponse:
        # Requests served in parallel by a threaded runserver may blend into the difference;
        # the totals below stay exact.
        before = counters.families()
        with tally_keys() as tally:
            response = super().process_request(request)
        self._request_counts = difference(counters.families(), before)
        self._tally = tally
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
                "keys": reconcile(self._tally, self._stock_counts()),
            }
        )

    def _stock_counts(self) -> tuple[int, int] | None:
        """The stock Cache panel's (hits, misses) for this request, if it is enabled and has
        counted (the toolbar generates stats last panel first, so it has when this panel comes
        before it, as local settings order them)."""
        try:
            stock = self.toolbar.get_panel_by_id(STOCK_PANEL)
        except KeyError:
            return None
        stats = stock.get_stats() if stock.enabled else {}
        if "hits" not in stats:
            return None
        return stats["hits"], stats["misses"]

    @property
    def nav_subtitle(self) -> str:
        counts = dict.fromkeys(KINDS, 0)
        for _, values in self.get_stats().get("request", []):
            for kind, value in zip(KINDS, values, strict=True):
                counts[kind] += value
        ratio = hit_ratio(counts)
        share = f" ({ratio:.0%})" if ratio is not None else ""
        return f"{counts['hit']} hits, {counts['miss']} misses{share}"


def reconcile(tally: KeyTally, stock: tuple[int, int] | None) -> dict[str, Any]:
    """The keys behind the stock panel's hits and misses: read-through entries, generation
    tokens, and the rest (sessions, throttling, other callers' `get`s)."""
    rows = {
        kind: {
            "asked": tally.asked[kind],
            "found": tally.found[kind],
            "absent": tally.asked[kind] - tally.found[kind],
        }
        for kind in ("value", "generation")
    }
    result: dict[str, Any] = {"rows": rows, "stock": None}
    if stock is not None:
        # The read-through's keys are read as bytes (`get_many_bytes`), which the stock panel
        # never sees: everything it counted is another caller's.
        hits, misses = stock
        result["stock"] = {
            "hits": hits,
            "misses": misses,
            "other_hits": hits,
            "other_misses": misses,
        }
    return result
