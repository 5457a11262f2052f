"""`manage.py blog_benchmark`: what the blog's loading and guard strategies cost, side by side.

Measured in one run on the current database (seed it first: `seed_demo --size large`):

- a page of 20 posts with author, tags and comment count: naive (lazy loads, N+1), the
  selector counting comments with LEFT JOIN + GROUP BY, and the selector's subquery count;
- the schema-version guard each blog request passes: a MigrationLoader built per request, the
  database read per request, and the per-process cached answer.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import CommandError, CommandParser

from blog import schema_version, selectors
from blog.models import Post
from common.telemetry import collect
from devtools.bench.report import BenchCommand

PAGE = 20


def _naive_page() -> list[tuple]:
    posts = Post.objects.filter(status=Post.Status.PUBLISHED).order_by("-published_at", "-id")
    return [
        (
            post.title,
            post.author.display_name,
            [t.name for t in post.tags.all()],
            post.comments.count(),
        )
        for post in posts[:PAGE]
    ]


def _selector_page(count_comments_by: str, page: int = 1) -> Callable[[], list[tuple]]:
    def run() -> list[tuple]:
        posts = selectors.post_list(viewer=AnonymousUser(), count_comments_by=count_comments_by)
        start = (page - 1) * PAGE
        return [
            (
                post.title,
                post.author.display_name,
                [t.name for t in post.tags.all()],
                post.comment_count,
            )
            for post in posts[start : start + PAGE]
        ]

    return run


def _guard_loader_per_request() -> None:
    schema_version.code_history.cache_clear()
    schema_version.read_schema_version()


def _measure(run: Callable[[], Any], runs: int) -> dict[str, float]:
    run()  # warm-up: connections, caches of Django itself
    timings, queries = [], 0
    for _ in range(runs):
        with collect() as stats:
            started = time.perf_counter()
            run()
            timings.append(time.perf_counter() - started)
        queries = stats.count("db")
    return {"queries": queries, "ms": round(statistics.median(timings) * 1000, 3)}


class Command(BenchCommand):
    help = "Compare post-list loading strategies and schema-guard strategies (one run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=20, help="Timed runs per variant.")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print JSON, not a table."
        )

    def handle(self, *args: Any, runs: int, as_json: bool, **options: Any) -> None:
        published = Post.objects.filter(status=Post.Status.PUBLISHED).count()
        if published < PAGE:
            raise CommandError(f"Need at least {PAGE} published posts: run seed_demo first.")
        deep = max(2, published // PAGE // 2)  # a middle page: OFFSET grows with the depth
        variants: list[tuple[str, str, Callable[[], Any]]] = [
            ("post page 1", "naive: lazy author, tags, count", _naive_page),
            ("post page 1", "selector, count by JOIN+GROUP BY", _selector_page("join")),
            ("post page 1", "selector, count by subquery", _selector_page("subquery")),
            (f"post page {deep}", "selector, count by JOIN+GROUP BY", _selector_page("join", deep)),
            (f"post page {deep}", "selector, count by subquery", _selector_page("subquery", deep)),
            ("schema guard", "MigrationLoader per request", _guard_loader_per_request),
            ("schema guard", "database read per request", schema_version.read_schema_version),
            ("schema guard", "cached per process", schema_version.current_schema_version),
        ]
        rows = [
            {"case": case, "variant": variant, **_measure(run, runs)}
            for case, variant, run in variants
        ]
        schema_version.forget_schema_version()
        if as_json:
            report = {"published_posts": published, "runs": runs, "rows": rows}
            self.stdout.write(json.dumps(report, indent=2))
            return
        self._print_table(rows, published, runs)

    def _print_table(self, rows: list[dict[str, Any]], published: int, runs: int) -> None:
        self.stdout.write(f"blog_benchmark: {published} published posts, median of {runs} runs")
        self.stdout.write(f"{'case':<16} {'variant':<34} {'queries':>7} {'ms':>10}")
        for row in rows:
            self.stdout.write(
                f"{row['case']:<16} {row['variant']:<34} {row['queries']:>7} {row['ms']:>10.3f}"
            )
