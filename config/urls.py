"""Root URLs: HTML pages per app, the API under /api/, the admin, Prometheus's /metrics, and the
toolbar in local."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from common.views import favicon, home, metrics

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon, name="favicon"),
    path("metrics", metrics, name="metrics"),
    path("api/", include("config.api_urls")),
    path("people/", include("people.urls")),
    path("school/", include("school.urls")),
    path("library/", include("library.urls")),
    path("blog/", include("blog.urls")),
    path("delegation/", include("delegation.urls")),
]

if "debug_toolbar" in settings.INSTALLED_APPS:
    from debug_toolbar.toolbar import debug_toolbar_urls

    urlpatterns += debug_toolbar_urls()

handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
