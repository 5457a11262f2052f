"""HTML pages of the library app: the index and the loading-strategy lab."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from common.throttling import throttled_page
from library import lab
from library.lab_chart import query_count_svg

DEFAULT_LIMIT = 20


class LabForm(forms.Form):
    """The lab's one question, bounded: every strategy runs several times per page size."""

    limit = forms.IntegerField(
        label="Books",
        min_value=1,
        max_value=50,
        error_messages={
            "invalid": "Enter a whole number of books, from 1 to 50.",
            "min_value": "Load at least 1 book.",
            "max_value": "The lab loads at most 50 books: every strategy runs several times.",
        },
    )


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "library/index.html")


@throttled_page("lab")
def lab_page(request: HttpRequest) -> HttpResponse:
    """Every strategy loads the same books; the page shows what each one cost, side by side."""
    form = LabForm(request.GET if "limit" in request.GET else {"limit": DEFAULT_LIMIT})
    limit = form.cleaned_data["limit"] if form.is_valid() else DEFAULT_LIMIT
    try:
        page = lab.page_measurement(limit)
    except lab.BeingMeasured:
        return being_measured(request, limit)
    context = {
        "form": form,
        "page": page,
        "reports": page.reports,
        "runs": lab.RUNS,
        "chart": mark_safe(query_count_svg(page.counts)),  # built here, every label escaped
        "counts": page.counts,
        "chart_sizes": lab.CHART_SIZES,
        # Every strategy loads the same books, so one series' sizes head the points table.
        "point_sizes": [books for books, _ in next(iter(page.counts.values()), [])],
        "limit": limit,
        "rows": page.reports[0].rows,
        "same_rows": all(report.rows == page.reports[0].rows for report in page.reports),
    }
    return render(request, "library/lab.html", context, status=200 if form.is_valid() else 400)


def being_measured(request: HttpRequest, limit: int) -> HttpResponse:
    """Another request is measuring this page size: say so, and when to come back, instead of
    measuring it a second time."""
    context = {"limit": limit, "retry_after": lab.RETRY_AFTER}
    response = render(request, "library/lab_measuring.html", context, status=503)
    response["Retry-After"] = str(lab.RETRY_AFTER)
    return response
