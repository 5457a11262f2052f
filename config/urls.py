"""Root URLs: HTML pages per app, the API under /api/, the admin, Prometheus's /metrics, and the
toolbar in local."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from common.views import favicon, home, metrics
from config.account import PasswordChangeView, account

# Members sign in here (the admin's login refuses non-staff accounts); django-axes counts every
# failed attempt, whichever login it came through.
accounts = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="account/password_done.html"),
        name="password_change_done",
    ),
    path("", account, name="account"),
]

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include(accounts)),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon, name="favicon"),
    path("metrics", metrics, name="metrics"),
    # The browsable API's "Log in" and "Log out" (DRF's own pages, counted by django-axes too).
    path("api/auth/", include("rest_framework.urls")),
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
