"""Everything under /api/: its index, schema and docs, health, and each app's routes."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common.api import ApiIndexView, CacheStatsView, HealthView
from config.account import TokenView

urlpatterns = [
    path("", ApiIndexView.as_view(urlconf=__name__), name="api-index"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view and our template: Swagger UI's set-up and styles are files, which the CSP
    # allows (no inline code).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("health/", HealthView.as_view(), name="api-health"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("ops/cache/", CacheStatsView.as_view(), name="api-ops-cache"),
    path("people/", include("people.api_urls")),
    path("school/", include("school.api_urls")),
    path("library/", include("library.api_urls")),
    path("blog/", include("blog.api_urls")),
    path("delegation/", include("delegation.api_urls")),
]
