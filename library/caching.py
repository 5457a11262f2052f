"""The library's cache: search rankings (which books, in which order, how many) per query string.

A search ranks every match by relevance: "river" matches 56,000 of the large seed's 100,000
books, and ranking them costs about 40 ms of both cores whatever the page. The ranking depends on
the catalogue alone (titles, subtitles, summaries, credits, categories), which staff change
rarely, while anyone may search, anonymously, many times a second. So each page's ranking is
cached per query string: the keys of the page's books and the bounded count. The rows themselves
(available copies, authors) are read from the database on every request, so circulation never
makes a cached ranking stale and never invalidates one.

Every write of a book (with its credits) or a category invalidates the whole family after it
commits: the catalogue services call `catalogue_written`, and the admin writes through them. Any
book's change can move any ranking. A filter on circulation state (`available`) is never cached.

The lab page's measurement (`LAB`, per page size) is cached the same way and invalidated by the
same writes; its "on shelf" column may lag circulation by the family's TTL, and the page says
when it was measured.
"""

from __future__ import annotations

import hashlib

from django.http import QueryDict
from django.utils.http import urlencode

from common.cache.readthrough import Family, invalidate_on_commit

SEARCHES = Family("library.searches")  # per query string and page: {"count", "exact", "keys"}
# The lab page's measurement per page size (`library.lab`): rows and SQL read the catalogue.
LAB = Family("library.lab")
# Book list parameters whose answer changes with circulation, not with the catalogue.
CIRCULATION_FILTERS = frozenset({"available"})


def search_ident(params: QueryDict, page_parameter: str) -> str | None:
    """The cache identity of a search's query string without its page (None: not cacheable)."""
    if CIRCULATION_FILTERS & params.keys():
        return None
    canonical = urlencode(sorted(kv for kv in params.lists() if kv[0] != page_parameter), True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def catalogue_written() -> None:
    """After a book, its credits or a category is written: every ranking and the lab's figures."""
    invalidate_on_commit(SEARCHES)
    invalidate_on_commit(LAB)
