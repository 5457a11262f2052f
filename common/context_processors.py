"""Template context every page needs: which store backs each part, for the footer."""

from django.conf import settings
from django.http import HttpRequest


def stores(request: HttpRequest) -> dict[str, dict[str, str]]:
    return {
        "stores": {
            "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
            "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
            "graph": settings.GRAPH_BACKEND,
        }
    }
