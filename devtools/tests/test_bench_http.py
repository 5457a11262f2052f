"""bench_http's pieces that need no server: wrk's output read right, floor views kept out of
the production URLconf."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, resolve

from devtools.management.commands.bench_http import parse_wrk

WRK = """Running 10s test @ http://127.0.0.1:8000/bench/drf/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    16.20ms    5.01ms  62.46ms   78.47%
    Req/Sec   496.71     55.94   626.00     70.50%
  Latency Distribution
     50%   15.51ms
     75%   18.43ms
     90%   22.07ms
     99%    1.02s
  9896 requests in 10.01s, 2.86MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    988.65
Transfer/sec:    292.63KB
"""


def test_wrk_output_is_read_with_its_units():
    # wrk pads a value in seconds with a trailing space ("1.02s "): it must still be read.
    measure = parse_wrk("plain DRF view", "/bench/drf/", WRK.replace("1.02s\n", "1.02s \n"))
    assert (measure.requests_per_s, measure.p50_ms, measure.p99_ms) == (988.65, 15.51, 1020.0)
    assert (measure.requests, measure.non_2xx, measure.errors) == (9896, 3, 0)


def test_the_floor_views_are_not_in_the_production_urlconf():
    with pytest.raises(Resolver404):
        resolve("/bench/drf/", urlconf="config.urls")
    assert resolve("/bench/drf/", urlconf="devtools.bench.urls")
