"""HTML pages of the library."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from library import lab
from library.services import catalogue
from library.tests.factories import BookAuthorFactory

pytestmark = pytest.mark.django_db


def test_lab_page_shows_every_strategy_and_the_rows(client):
    link = BookAuthorFactory(book__title="Patterns of persistence")
    response = client.get(reverse("library:lab"), {"limit": 5})
    assert response.status_code == 200
    html = response.content.decode()
    for strategy in ("lazy", "select_related", "prefetch_related", "prefetch_to_attr", "only"):
        assert f"<code>{strategy}</code>" in html
    assert "Patterns of persistence" in html and link.author.name in html
    assert response.context["same_rows"] is True


def test_lab_page_rejects_a_bad_limit_with_the_default(client):
    response = client.get(reverse("library:lab"), {"limit": "lots"})
    assert response.status_code == 400
    assert response.context["limit"] == 20


def test_index_links_the_lab(client):
    response = client.get(reverse("library:index"))
    assert reverse("library:lab") in response.content.decode()


def test_the_lab_is_bounded_and_throttled(client, settings) -> None:
    assert client.get(reverse("library:lab"), {"limit": 51}).status_code == 400
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "lab": "2/day",
        },
    }
    statuses = [client.get(reverse("library:lab"), {"limit": 1}).status_code for _ in range(3)]

    assert statuses[:2] == [200, 200] and statuses[2] == 429


def test_lab_times_each_strategy_as_a_median_of_several_runs(client):
    BookAuthorFactory.create_batch(2)
    response = client.get(reverse("library:lab"), {"limit": 2})
    html = response.content.decode()
    assert "median of those runs" in html and "fastest \N{EN DASH} slowest (ms)" in html
    for report in response.context["reports"]:
        assert 1 <= report.runs <= 7
        assert report.fastest <= report.milliseconds <= report.slowest


def test_lab_draws_query_count_against_page_size(client):
    BookAuthorFactory.create_batch(6)
    response = client.get(reverse("library:lab"), {"limit": 2})
    chart = response.content.decode().split('<figure class="chart">', 1)[1].split("</figure>")[0]
    assert chart.startswith("<svg") and chart.count("<polyline") == 5
    # lazy: a few queries per book; the others: a fixed count whatever the page size
    lazy = lab.measure("lazy", 6).queries
    assert lazy > 6 and f"lazy: {lazy} queries for 6 books" in chart
    assert "only: 2 queries for 1 book<" in chart and "only: 2 queries for 6 books" in chart


def test_lab_chart_keeps_overlapping_lines_apart(client):
    BookAuthorFactory.create_batch(3)
    html = client.get(reverse("library:lab"), {"limit": 2}).content.decode()
    chart = html.split('<figure class="chart">', 1)[1].split("</figure>")[0]
    # Four strategies share their points; each line has its own dashes, the axis is logarithmic
    # and the table under the chart gives every point in numbers.
    assert chart.count("stroke-dasharray") >= 2 * 4 and "log scale" in chart
    points = html.split('id="chart-points"', 1)[1].split("</table>")[0]
    assert "<th>1 book</th>" in points and "<code>lazy</code>" in points


def test_lab_explains_a_bad_limit_beside_the_field_in_plain_words(client):
    response = client.get(reverse("library:lab"), {"limit": 51})
    html = response.content.decode()
    assert response.status_code == 400 and response.context["limit"] == 20
    error = html.split('id="limit-error">', 1)[1].split("</span>")[0]
    assert "at most 50 books" in error and "Showing 20 books instead" in error
    assert "ErrorDetail" not in html and "{'limit'" not in html


def test_lab_serves_a_measurement_once_made_without_running_the_strategies(
    client, django_assert_max_num_queries
):
    BookAuthorFactory.create_batch(3)
    first = client.get(reverse("library:lab"), {"limit": 3})
    assert first.context["page"].cached is False
    assert first.context["page"].queries_sent > 5 * 7  # every strategy, several times
    # The next visitor, anonymous too, costs the page's own queries, not the measurement's.
    with django_assert_max_num_queries(2):
        again = client.get(reverse("library:lab"), {"limit": 3})
    assert again.context["page"].cached is True
    assert "Measured by an earlier request" in again.content.decode()
    assert again.context["rows"] == first.context["rows"]


def test_a_catalogue_write_measures_the_lab_again(client, django_capture_on_commit_callbacks):
    link = BookAuthorFactory()
    client.get(reverse("library:lab"), {"limit": 3})
    with django_capture_on_commit_callbacks(execute=True):
        catalogue.book_update(actor=None, book=link.book, title="Renamed in the admin")
    response = client.get(reverse("library:lab"), {"limit": 3})
    assert response.context["page"].cached is False
    assert "Renamed in the admin" in response.content.decode()


def test_the_toolbar_count_is_explained_on_the_page(client):
    BookAuthorFactory()
    html = client.get(reverse("library:lab"), {"limit": 1}).content.decode()
    explanation = html.split('id="toolbar-counts">', 1)[1].split("</p>")[0]
    assert "Measured by this request" in explanation
    assert "counts every query <em>this request</em> sent" in explanation


def test_lab_sql_is_shown_with_values_and_wraps(client):
    BookAuthorFactory(book__title="Patterns of persistence")
    html = client.get(reverse("library:lab"), {"limit": 1}).content.decode()
    assert '<pre class="sql">SELECT' in html
    assert "LIMIT 1" in html and "%s" not in html


@pytest.mark.parametrize("path", ["/library/lab/", "/api/library/lab/"])
def test_a_second_miss_while_a_size_is_measured_does_not_measure_it_again(path):
    """The second request arrives while the first is running its first strategy's query: it
    sends no query and says the size is being measured (the page and the API alike)."""
    BookAuthorFactory.create_batch(2)
    second: dict[str, Any] = {}

    def ask_again_while_measuring(execute, sql, params, many, context):
        if "library_book" in sql and not second:
            second["asked"] = True
            thread = threading.Thread(target=ask_counting_queries, args=(path, second))
            thread.start()
            thread.join()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(ask_again_while_measuring):
        first = Client().get(path, {"limit": 4})

    assert first.status_code == 200
    assert second["queries"] == 0
    assert second["status"] == 503 and second["retry_after"]
    assert "being measured" in second["body"] or "being_measured" in second["body"]
    again = Client().get(path, {"limit": 4})  # the first one's measurement, for everyone
    assert again.status_code == 200


def ask_counting_queries(path: str, out: dict[str, Any]) -> None:
    """One anonymous request on this thread's own connection, counting the queries it sends."""
    try:
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(path, {"limit": 4})
        out.update(
            status=response.status_code,
            queries=len(queries),
            retry_after=response.get("Retry-After"),
            body=response.content.decode(),
        )
    finally:
        connection.close()
