"""Gunicorn settings of the web service: `gunicorn -c config/gunicorn.conf.py`.

Command-line flags override these (`--bind 127.0.0.1:8000 --workers 2`). Besides serving, this
file gives the workers one Prometheus multiprocess directory, so that `/metrics` and
`/api/ops/cache/` sum every worker's counts: it is PROMETHEUS_MULTIPROC_DIR when set, else a new
temporary directory per server. It must be set here, in the master, before prometheus_client is
imported: it picks its storage once, at import, and the forked workers inherit that choice. So
this file imports it only inside `child_exit`.
"""

import os
import tempfile
from pathlib import Path

from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker

wsgi_app = "config.wsgi:application"
bind = "0.0.0.0:8000"
workers = 3
accesslog = "-"

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="campus-metrics-"))


def on_starting(server: Arbiter) -> None:
    """Forget the counts of a previous server that used the same directory."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for values in directory.glob("*.db"):
        values.unlink()


def child_exit(server: Arbiter, worker: Worker) -> None:
    """A dead worker's counters stay in the sum; its live gauges must not."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
