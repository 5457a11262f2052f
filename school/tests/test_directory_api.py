"""The unified directory API: planner, query counts, sources, invalidation, degraded answers."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from common.cache.counters import counters
from devtools.testing import DOWN_CACHE, assert_constant_queries_for_page_sizes
from school.directory import Plan
from school.services import enrollment_create, preferences_update, teaching_assignment_create
from school.tests.factories import SectionFactory, make_school

if TYPE_CHECKING:
    from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper

pytestmark = pytest.mark.django_db

PEOPLE = reverse("school-api:people")
EVERY_EXPANSION = "unit,manager_chain,reports,roles,permissions,courses,teaching"
SQL_EXPANSIONS = "unit,courses,teaching"


def person_url(pk: int) -> str:
    return reverse("school-api:person", args=[pk])


@pytest.fixture
def school() -> dict:
    return make_school()


def enrolled_students(body: dict, school: dict) -> int:
    """Rows of the page that show a student's enrolment."""
    students = {student.pk for student in school["students"]}
    return sum(1 for row in body["results"] if row["id"] in students and row["courses"])


def test_the_directory_needs_a_login(api_client: APIClient) -> None:
    assert api_client.get(PEOPLE).status_code in (401, 403)


def test_fields_trim_the_profile_and_the_columns(staff_client: APIClient, school: dict) -> None:
    student = school["students"][0]
    body = staff_client.get(person_url(student.pk), {"fields": "name,email"}).json()
    assert body.keys() == {"id", "name", "email", "meta"}
    assert body["name"] == student.name
    assert Plan.parse(fields="name", expand=None).columns == ("id", "given_name", "family_name")


@pytest.mark.parametrize("parameter", ["fields", "expand"])
def test_unknown_names_are_a_400_naming_the_parameter(
    staff_client: APIClient, parameter: str
) -> None:
    response = staff_client.get(PEOPLE, {parameter: "id,shoe_size"})
    assert response.status_code == 400
    assert "shoe_size" in response.json()["error"]["fields"][parameter][0]


@pytest.mark.parametrize(
    ("expand", "stores"),
    [
        ("", {"db"}),
        ("unit", {"db"}),
        ("courses,teaching", {"db", "cache"}),
        ("manager_chain", {"db", "cache", "graph"}),
        ("roles,permissions,reports", {"db", "cache", "graph"}),
        ("reports", {"db"}),
    ],
)
def test_the_plan_touches_only_the_stores_its_expansions_need(expand: str, stores: set) -> None:
    assert Plan.parse(fields=None, expand=expand).stores() == stores


def test_sql_expansions_touch_no_graph_and_unit_no_cache(
    staff_client: APIClient, school: dict
) -> None:
    unit_only = staff_client.get(PEOPLE, {"expand": "unit"}).json()["meta"]["stores"]
    courses = staff_client.get(PEOPLE, {"expand": "courses"}).json()["meta"]["stores"]
    assert (unit_only["cache"]["count"], unit_only["graph"]["count"]) == (0, 0)
    assert courses["graph"]["count"] == 0 and courses["cache"]["count"] >= 1


@pytest.mark.parametrize("expand", [SQL_EXPANSIONS, EVERY_EXPANSION])
def test_queries_do_not_grow_with_the_page(
    staff_client: APIClient, school: dict, expand: str
) -> None:
    assert_constant_queries_for_page_sizes(staff_client, PEOPLE, expand=expand)


def test_second_read_comes_from_the_cache_and_says_so(
    staff_client: APIClient, school: dict
) -> None:
    first = staff_client.get(PEOPLE, {"expand": SQL_EXPANSIONS}).json()
    second = staff_client.get(PEOPLE, {"expand": SQL_EXPANSIONS}).json()

    assert first["meta"]["sources"] == {
        "profile": "db",
        "unit": "db",
        "courses": "db",
        "teaching": "db",
    }
    assert second["meta"]["sources"]["courses"] == "cache"
    assert second["meta"]["sources"]["teaching"] == "cache"
    assert second["results"] == first["results"]
    assert second["meta"]["partial"] is False


def test_expansions_carry_the_sql_facts(staff_client: APIClient, school: dict) -> None:
    teacher, student = school["teacher"], school["students"][0]
    taught = staff_client.get(person_url(teacher.pk), {"expand": "teaching,unit"}).json()
    enrolled = staff_client.get(person_url(student.pk), {"expand": "courses"}).json()

    assert {entry["section_id"] for entry in taught["teaching"]} == {
        s.pk for s in school["sections"]
    }
    assert taught["unit"] == {"id": school["unit"].pk, "code": "science", "name": "Science"}
    assert [entry["section_id"] for entry in enrolled["courses"]] == [school["sections"][0].pk]
    assert enrolled["courses"][0]["status"] == "enrolled"


def test_a_write_is_read_back_at_once(
    staff_client: APIClient, school: dict, django_capture_on_commit_callbacks
) -> None:
    student = school["students"][0]
    url = person_url(student.pk)
    assert len(staff_client.get(url, {"expand": "courses"}).json()["courses"]) == 1

    other = SectionFactory(term=school["term"], weekday=3)
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_create(actor=None, student=student, section=other)

    after = staff_client.get(url, {"expand": "courses"}).json()
    assert {entry["section_id"] for entry in after["courses"]} == {
        school["sections"][0].pk,
        other.pk,
    }
    assert after["meta"]["sources"]["courses"] == "db"


def test_a_new_teaching_assignment_is_read_back_at_once(
    staff_client: APIClient, school: dict, django_capture_on_commit_callbacks
) -> None:
    teacher = school["teacher"]
    url = person_url(teacher.pk)
    before = staff_client.get(url, {"expand": "teaching"}).json()["teaching"]
    assert staff_client.get(url, {"expand": "teaching"}).json()["meta"]["sources"] == {
        "profile": "db",
        "teaching": "cache",
    }

    other = SectionFactory(term=school["term"], weekday=4)
    with django_capture_on_commit_callbacks(execute=True):
        teaching_assignment_create(actor=None, teacher=teacher, section=other)

    after = staff_client.get(url, {"expand": "teaching"}).json()["teaching"]
    assert {entry["section_id"] for entry in after} == {
        *(entry["section_id"] for entry in before),
        other.pk,
    }


def test_the_preference_filter_queries_by_key(staff_client: APIClient, school: dict) -> None:
    first, second = school["students"][:2]
    preferences_update(actor=None, person=first, changes={"language": "fr", "newsletter": True})
    preferences_update(actor=None, person=second, changes={"language": "de"})

    def ids(preference: str) -> set[int]:
        response = staff_client.get(PEOPLE, {"preference": preference, "fields": "id"})
        return {row["id"] for row in response.json()["results"]}

    assert ids("language") == {first.pk, second.pk}
    assert ids("language:fr") == {first.pk}
    assert ids("newsletter:true") == {first.pk}
    assert ids("theme") == set()


@override_settings(CACHES=DOWN_CACHE)
def test_cache_down_answers_200_partial_with_a_warning(
    staff_client: APIClient, school: dict
) -> None:
    counters.reset()
    response = staff_client.get(PEOPLE, {"expand": SQL_EXPANSIONS})

    body = response.json()
    assert response.status_code == 200
    assert body["meta"]["partial"] is True
    assert body["meta"]["warnings"][0].startswith("cache unavailable")
    assert body["meta"]["sources"]["courses"] == "db"
    assert enrolled_students(body, school) == len(body["results"]) - 2  # all but head, teacher
    assert counters.families()["directory.courses"]["error"] == 1


@override_settings(GRAPH_BACKEND="neo4j", NEO4J_BOLT_URL="bolt://neo4j:neo4j@127.0.0.1:1")
def test_graph_down_answers_200_partial_naming_what_is_missing(
    staff_client: APIClient, school: dict
) -> None:
    """The Neo4j backend at a closed port: the driver really fails to connect."""
    response = staff_client.get(PEOPLE, {"expand": "manager_chain,permissions,courses"})

    body = response.json()
    assert response.status_code == 200
    assert body["meta"]["partial"] is True
    [warning] = body["meta"]["warnings"]
    assert warning.startswith("graph unavailable (ServiceUnavailable")
    assert warning.endswith("missing: manager_chain, permissions")
    assert all(row["manager_chain"] is None for row in body["results"])
    assert enrolled_students(body, school) == len(body["results"]) - 2  # SQL parts still answer


@pytest.mark.parametrize("page_size", [2, 10])
def test_graph_facts_for_a_page_cost_one_batched_call(
    staff_client: APIClient, school: dict, monkeypatch: pytest.MonkeyPatch, page_size: int
) -> None:
    """One `people_facts` call per page (a spy on the real backend), whatever the page size;
    the SQL backend answers it with one query per kind of fact."""
    from delegation.graph import get_graph

    graph = get_graph()
    calls: list[tuple] = []
    real = graph.people_facts

    def spy(person_ids, facts, at):  # the backend's own signature
        calls.append((tuple(person_ids), frozenset(facts)))
        return real(person_ids, facts, at)

    monkeypatch.setattr(graph, "people_facts", spy)
    expand = "manager_chain,reports,roles,permissions"
    query: dict[str, Any] = {"expand": expand, "page_size": page_size}
    body = staff_client.get(PEOPLE, query).json()

    assert body["meta"]["partial"] is False, body["meta"]
    [(person_ids, facts)] = calls
    # Direct reports are the database's (one indexed lookup), not a graph question.
    assert len(person_ids) == page_size and facts == {"manager_chain", "roles", "permissions"}
    assert body["meta"]["stores"]["graph"]["count"] == 2  # chains, holdings
    assert body["meta"]["sources"]["reports"] == "db"
    head = next(row for row in body["results"] if row["id"] == school["head"].pk)
    assert head["manager_chain"] == {"count": 0, "items": [], "next": None}
    assert head["reports"]["count"] == len(school["students"]) + 1


def test_cached_graph_facts_need_no_graph_call(staff_client: APIClient, school: dict) -> None:
    params = {"expand": "manager_chain,permissions"}
    staff_client.get(PEOPLE, params)
    again = staff_client.get(PEOPLE, params).json()
    assert again["meta"]["stores"]["graph"]["count"] == 0
    assert again["meta"]["sources"]["manager_chain"] == "cache"
    student = school["students"][0]
    row = next(row for row in again["results"] if row["id"] == student.pk)
    assert row["manager_chain"]["items"][0]["id"] == school["head"].pk


@pytest.fixture
def database_down() -> Iterator[None]:
    """The default connection pointed at a closed port: a real outage of the system of record."""
    pooled = cast("PostgresWrapper", connection)  # the test settings' pooled PostgreSQL
    settings_dict = connection.settings_dict
    saved = copy.deepcopy(settings_dict)
    connection.close()
    pooled.close_pool()
    settings_dict["PORT"] = "1"
    settings_dict["OPTIONS"]["pool"] = {**settings_dict["OPTIONS"]["pool"], "timeout": 0.5}
    try:
        yield
    finally:
        connection.close()
        pooled.close_pool()
        settings_dict.clear()
        settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_database_down_is_a_503_in_the_error_format(member_user: Any, database_down: None) -> None:
    client = APIClient()
    client.force_authenticate(member_user)
    response = client.get(PEOPLE, {"expand": "courses"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"


def test_without_the_cache_the_plan_reads_every_part_from_its_store(
    staff_client: APIClient, school: dict
) -> None:
    plan = Plan.parse(fields=None, expand="courses,manager_chain", use_cache=False)
    assert plan.stores() == {"db", "graph"}


def test_a_new_reporting_line_invalidates_exactly_the_people_it_affects(
    staff_client: APIClient, school: dict, django_capture_on_commit_callbacks
) -> None:
    from people.services import reporting_line_create

    mover, bystander = school["students"][:2]
    params: dict[str, Any] = {"expand": "manager_chain,reports", "page_size": 20}
    staff_client.get(PEOPLE, params)  # everyone's chain cached (reports are always read live)

    with django_capture_on_commit_callbacks(execute=True):
        reporting_line_create(actor=None, person=mover, manager=school["teacher"])

    def read(person_id: int) -> dict:
        return staff_client.get(person_url(person_id), {"expand": "manager_chain,reports"}).json()

    moved, teacher, other = read(mover.pk), read(school["teacher"].pk), read(bystander.pk)
    chain = [m["id"] for m in moved["manager_chain"]["items"]]
    assert chain == [school["teacher"].pk, school["head"].pk]
    assert moved["meta"]["sources"]["manager_chain"] == "graph"
    assert mover.pk in {r["id"] for r in teacher["reports"]["items"]}
    assert other["meta"]["sources"] == {
        "profile": "db",
        "manager_chain": "cache",
        "reports": "db",
    }
