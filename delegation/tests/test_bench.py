"""The benchmark runs end to end, and its naive baseline answers like the SQL backend."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command

from delegation.bench import naive_check
from delegation.graph.sql import SqlGraphBackend
from delegation.tests.scenario import DAY, T0, School, lend


def test_naive_baseline_agrees_with_sql(school: School):
    lend(school.alice, school.bob, permission=school.circulate, hops=2)
    lend(school.bob, school.carol, permission=school.circulate, hops=1)
    lend(school.carol, school.bob, permission=school.circulate)
    graph = SqlGraphBackend()
    for person in (school.alice, school.bob, school.carol, school.dan):
        for at in (T0, T0 + 20 * DAY):
            for codename in ("library.circulate", "library.catalogue"):
                expected = graph.check(person.pk, codename, at).allowed
                assert naive_check(person.pk, codename, at) == expected, (person, codename, at)


def test_bench_command_prints_json(school: School):
    out = StringIO()
    call_command("bench_delegation", "--json", "--checks", "6", "--naive", "3", stdout=out)
    report = json.loads(out.getvalue())
    assert report["results"][0]["measure"] == "check, SQL backend (decision)"
    assert report["results"][2]["note"] == "0 disagreements"
