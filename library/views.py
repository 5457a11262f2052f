"""HTML pages of the library app: the index and the loading-strategy lab."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from common.throttling import throttled_page
from library import lab
from library.lab_chart import query_count_svg
from library.serializers import LabQuerySerializer


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "library/index.html")


@throttled_page("lab")
def lab_page(request: HttpRequest) -> HttpResponse:
    """Every strategy loads the same books; the page shows what each one cost, side by side."""
    query = LabQuerySerializer(data=request.GET)
    limit = query.validated_data["limit"] if query.is_valid() else 20
    reports = [lab.measure_median(strategy, limit, lab.RUNS) for strategy in lab.STRATEGIES]
    counts = lab.query_counts()
    context = {
        "reports": reports,
        "runs": lab.RUNS,
        "chart": mark_safe(query_count_svg(counts)),  # built here, every label escaped
        "chart_sizes": lab.CHART_SIZES,
        "limit": limit,
        "rows": reports[0].rows,
        "same_rows": all(report.rows == reports[0].rows for report in reports),
        "errors": query.errors,
    }
    return render(request, "library/lab.html", context, status=200 if query.is_valid() else 400)
