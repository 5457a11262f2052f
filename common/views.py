"""Site-wide HTML pages, the favicon and the Prometheus scrape endpoint."""

from ipaddress import ip_address

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from common.metrics import exposition
from common.throttling import client_ip


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@require_GET
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico whatever the page links to. Temporary, because the static
    file's URL carries its content hash in production."""
    return HttpResponseRedirect(static("favicon.svg"))


def _from_allowed_network(request: HttpRequest) -> bool:
    """Whether the client is on an allowed network: its address as the throttles count it, so
    behind `NUM_PROXIES` proxies the one the nearest forwarded, never the proxy's own."""
    try:
        address = ip_address(client_ip(request))
    except ValueError:  # a unix socket has no address
        return False
    if address.version == 6 and address.ipv4_mapped:  # a dual-stack bind sees ::ffff:a.b.c.d
        address = address.ipv4_mapped
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus's text format, for staff and for scrapers on `METRICS_ALLOWED_NETWORKS`."""
    if not (request.user.is_staff or _from_allowed_network(request)):
        raise PermissionDenied
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
