"""The server `manage.py bench_http` starts: production settings, with the floor views' URLs
(`devtools.bench.urls`) beside the site's."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "devtools.bench.urls"
