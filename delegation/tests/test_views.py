"""The explorer: each question answers with its query and picture; bad input is a form error."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from common import telemetry
from delegation import pictures
from delegation import services as delegation_services
from delegation.tests.factories import PermissionFactory
from delegation.tests.scenario import DAY, T0, School, lend
from people import services as people_services

URL = "/delegation/"
AT = (T0 + DAY).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(autouse=True)
def _signed_in_staff(client: Client, staff_user: User) -> None:
    client.force_login(staff_user)


@pytest.fixture
def chart(school: School) -> School:
    lend(school.alice, school.bob, permission=school.circulate, hops=1)
    people_services.reporting_line_create(
        actor=None, person=school.bob, manager=school.alice, valid_from=T0
    )
    return school


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"question": "check", "permission": "library.circulate"}, "ALLOWED"),
        ({"question": "who_can", "permission": "library.circulate"}, "complete"),
        ({"question": "what_can"}, "1 permission<"),
        ({"question": "paths", "other": "bob"}, "1 chain<"),
        ({"question": "org"}, "1 manager,"),
        ({"question": "units"}, "units"),
        ({"question": "common", "other": "alice"}, "Alice"),
    ],
)
def test_each_question_shows_answer_query_and_picture(
    client: Client, chart: School, params, expected
):
    person = chart.alice.pk if params["question"] == "paths" else chart.bob.pk
    people = {"bob": chart.bob.pk, "alice": chart.alice.pk}
    query = {"person": person, "at": AT, **{k: people.get(v, v) for k, v in params.items()}}
    response = client.get(URL, query)

    assert response.status_code == 200
    page = response.content.decode()
    assert expected in page
    assert "The query behind this answer" in page and ("WITH RECURSIVE" in page or "SELECT" in page)


def test_check_draws_the_proof(client: Client, chart: School):
    query: dict[str, Any] = {
        "question": "check",
        "person": chart.bob.pk,
        "permission": "library.circulate",
        "at": AT,
    }
    response = client.get(URL, query)
    assert "<svg" in response.content.decode() or "digraph proof" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"question": "check", "person": 999999, "permission": "library.circulate"},
        {"question": "check", "permission": "library.circulate"},
        {"question": "check", "person": "x"},
        {"question": "units", "unit": 999999},
        {"question": "what_can", "person": 1, "at": "not a time"},
        {"question": "what_can", "person": 1, "at": "0001-01-01T00:00:00+14:00"},
    ],
)
def test_bad_input_is_a_form_error(client: Client, school: School, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response.context["result"] is None
    assert response.context["form"].errors


def test_a_time_with_any_offset_python_accepts_is_answered(client: Client, school: School):
    at = "2026-01-01T00:00:00+18:09"  # beyond PostgreSQL's offsets: moved to UTC first
    query: dict[str, Any] = {"question": "what_can", "person": school.bob.pk, "at": at}
    response = client.get(URL, query)
    assert response.status_code == 200
    assert response.context["result"] is not None


def test_without_dot_the_page_shows_dot_text(monkeypatch):
    monkeypatch.setattr(pictures.shutil, "which", lambda name: None)
    picture = pictures.render("digraph { a -> b }")
    assert picture.svg is None and picture.dot == "digraph { a -> b }"


def test_dot_labels_are_escaped():
    assert pictures.quote('say "hi"\\') == '"say \\"hi\\"\\\\"'


def test_graph_panel_lists_the_graph_calls_of_the_request(school: School):
    from types import SimpleNamespace

    from django.http import HttpRequest, HttpResponse

    from common import telemetry
    from delegation.graph.sql import SqlGraphBackend
    from delegation.panels import GraphPanel

    toolbar = SimpleNamespace(
        stats={}, request_id="r1", store=SimpleNamespace(save_panel=lambda *args: None)
    )
    panel = GraphPanel(toolbar, get_response=lambda request: HttpResponse())
    with telemetry.collect():
        SqlGraphBackend().check(school.alice.pk, "library.circulate", T0)
        panel.generate_stats(HttpRequest(), HttpResponse())

    stats = panel.get_stats()
    # The check itself, then the role graph its proof is explained with.
    assert [query["label"] for query in stats["queries"]] == ["check", "role_edges"]
    assert stats["count"] == 2
    assert stats["queries"][0]["backend"] == "sql"
    assert "WITH RECURSIVE" in stats["queries"][0]["query"]
    assert panel.nav_subtitle.startswith(f"{stats['count']} calls in ")


def test_the_query_is_shown_with_the_values_that_ran(client: Client, chart: School):
    query: dict[str, Any] = {
        "question": "check",
        "person": chart.bob.pk,
        "permission": "library.circulate",
        "at": AT,
    }
    response = client.get(URL, query)
    shown = html.unescape(response.content.decode().split("with the values that ran", 1)[1])
    assert "%(" not in shown  # no placeholder left
    assert "'library.circulate'" in shown and f"IN ({chart.bob.pk})" in shown
    assert "2026-01-02" in shown  # the `at` of the question


def test_the_query_block_wraps(client: Client, chart: School):
    org: dict[str, Any] = {"question": "org", "person": chart.bob.pk, "at": AT}
    response = client.get(URL, org)
    assert '<pre class="sql query">' in response.content.decode()
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    assert "pre.sql { white-space: pre-wrap;" in css


def test_people_are_found_by_name(client: Client, chart: School):
    name = f"{chart.bob.given_name} {chart.bob.family_name}"
    response = client.get(URL, {"question": "what_can", "person": name, "at": AT})
    assert response.status_code == 200
    assert "1 permission<" in response.content.decode()


def test_a_suggestion_label_names_its_person(client: Client, chart: School):
    label = f"Anything at all (#{chart.bob.pk})"
    response = client.get(URL, {"question": "what_can", "person": label, "at": AT})
    assert "1 permission<" in response.content.decode()


def test_an_ambiguous_name_lists_the_candidates(client: Client, chart: School):
    chart.carol.family_name = chart.bob.family_name = "Same"
    chart.carol.save()
    chart.bob.save()
    response = client.get(URL, {"question": "what_can", "person": "Same", "at": AT})
    page = response.content.decode()
    assert "Several people match" in page and f"(#{chart.bob.pk})" in page
    assert f"(#{chart.carol.pk})" in page


def test_suggestions_are_people_the_caller_may_ask_about(client: Client, chart: School):
    staff = client.get("/delegation/people/", {"q": chart.bob.given_name}).json()
    assert [row["id"] for row in staff["results"]] == [chart.bob.pk]
    assert staff["results"][0]["label"].endswith(f"(#{chart.bob.pk})")

    member = User.objects.create_user("bobs-account")
    chart.bob.user = member
    chart.bob.save()
    client.force_login(member)  # without delegation.view: only oneself
    assert client.get("/delegation/people/", {"q": "Alice"}).json() == {"results": []}
    own = client.get("/delegation/people/", {"q": chart.bob.given_name}).json()["results"]
    assert [row["id"] for row in own] == [chart.bob.pk]
    # and a name the caller may not ask about is not resolved either
    answer = client.get(URL, {"question": "what_can", "person": "Alice", "at": AT})
    assert "No one you may ask about" in answer.content.decode()


def test_example_links_name_only_people_the_caller_may_ask_about(client: Client, chart: School):
    staff_page = client.get(URL).content.decode()
    assert f"person={chart.bob.pk}" in staff_page  # alice lent to bob: staff see the example

    member = User.objects.create_user("carols-account")
    chart.carol.user = member
    chart.carol.save()
    client.force_login(member)  # without delegation.view: only questions about oneself
    page = client.get(URL, {"question": "units"}).content.decode()
    assert f"person={chart.bob.pk}" not in page and f"person={chart.alice.pk}" not in page
    assert f"other={chart.bob.pk}" not in page


def _answer_table(page: str) -> str:
    return page.split('<table class="answer">', 1)[1].split("</table>", 1)[0]


def test_the_proof_table_names_people_as_the_picture_does(client: Client, chart: School):
    query: dict[str, Any] = {
        "question": "check",
        "person": chart.bob.pk,
        "permission": "library.circulate",
    }
    table = _answer_table(client.get(URL, {**query, "at": AT}).content.decode())
    assert f"{chart.alice.name} (person {chart.alice.pk})" in table
    assert f"{chart.bob.name} (person {chart.bob.pk})" in table
    assert "person:" not in table


def test_org_and_paths_name_the_parent_and_the_links(client: Client, chart: School):
    org = client.get(URL, {"question": "org", "person": str(chart.bob.pk), "at": AT})
    assert f"<td>{chart.alice.name}</td>" in _answer_table(org.content.decode())
    query: dict[str, Any] = {
        "question": "paths",
        "person": chart.alice.pk,
        "other": chart.bob.pk,
        "at": AT,
    }
    paths = client.get(URL, query).content.decode()
    assert f"{chart.alice.name} → {chart.bob.name}" in _answer_table(paths)
    assert "1 chain<" in paths or "1 chain " in paths
    assert "chain(s)" not in paths


def test_counts_in_summaries_are_pluralised(client: Client, chart: School):
    check: dict[str, Any] = {
        "question": "check",
        "person": chart.bob.pk,
        "permission": "library.circulate",
    }
    page = client.get(URL, {**check, "at": AT}).content.decode()
    assert "1 delegation hop," in page and "hops" not in page.split("<table", 1)[0]
    what = client.get(URL, {"question": "what_can", "person": str(chart.bob.pk), "at": AT})
    assert "1 permission<" in what.content.decode()


def test_a_check_asks_the_graph_once(client: Client, chart: School):
    query: dict[str, Any] = {
        "question": "check",
        "person": chart.bob.pk,
        "permission": "library.circulate",
    }
    with telemetry.collect() as calls:
        client.get(URL, {**query, "at": AT})
    assert [event.label for event in calls.of("graph")].count("check") == 1


def test_a_member_asking_about_someone_else_costs_one_policy_check(chart: School):
    """The policy (`delegation.view`) is asked once per request, however many names the form
    resolves: the Graph panel shows that check and the question's own, no more."""
    view = PermissionFactory(codename="delegation.view")
    role = delegation_services.role_create(actor=None, code="viewer", name="V", permissions=[view])
    delegation_services.assignment_create(actor=None, person=chart.carol, role=role)
    user = User.objects.create_user("carol")
    people_services.person_update(actor=None, person=chart.carol, user=user)
    member = Client()
    member.force_login(user)
    query: dict[str, Any] = {
        "question": "check",
        "person": chart.bob.name,
        "permission": "library.circulate",
    }
    with telemetry.collect() as calls:
        assert member.get(URL, {**query, "at": AT}).status_code == 200
    assert [event.label for event in calls.of("graph")].count("check") == 2
