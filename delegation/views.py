"""The delegation explorer: ask the graph a question, see the answer, its picture and the query.

For students: every answer shows the SQL (or Cypher) the backend ran, on Neo4j with each
statement's PROFILE plan (operators, rows, db hits), and the toolbar's Graph panel shows each
call's time. Bad input shows as form errors, never as a server error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from common import telemetry
from common.actors import Actor
from common.exceptions import ForbiddenError, ServiceError
from common.forms import UtcDateTimeField
from delegation import pictures, policies, selectors
from delegation.graph import get_graph
from delegation.graph.base import Edge, GraphBackend, profiling
from delegation.models import Delegation, Permission

QUESTIONS = [
    ("check", "check: may this person do this, and why?"),
    ("who_can", "who can: everyone holding a permission"),
    ("what_can", "what can: every permission of a person"),
    ("paths", "paths: delegation chains between two people"),
    ("org", "org chart around a person"),
    ("units", "unit tree"),
    ("common", "lowest common manager of two people"),
]


class QuestionForm(forms.Form):
    question = forms.ChoiceField(choices=QUESTIONS)
    person = forms.CharField(
        required=False, max_length=200, help_text="a name (suggested as you type) or an id"
    )
    other = forms.CharField(
        required=False, max_length=200, help_text="second person: a name or an id"
    )
    permission = forms.ChoiceField(required=False)
    unit = forms.IntegerField(min_value=1, required=False, help_text="org unit id (tree root)")
    at = UtcDateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="default: now",
    )

    NEEDS = {
        "check": ("person", "permission"),
        "who_can": ("permission",),
        "what_can": ("person",),
        "paths": ("person", "other"),
        "org": ("person",),
        "common": ("person", "other"),
        "units": (),
    }

    def __init__(self, *args: Any, actor: Actor = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        for name in ("person", "other"):
            # Suggestions come from `people_suggest`, under the same access policy as answers.
            self.fields[name].widget.attrs.update(
                {"list": f"{name}-suggestions", "data-people-source": reverse("delegation:people")}
            )
        codenames = selectors.permission_list().values_list("codename", flat=True)
        permission = cast(forms.ChoiceField, self.fields["permission"])
        permission.choices = [("", "—"), *((c, c) for c in codenames)]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in self.NEEDS.get(data.get("question", ""), ()):
            if not data.get(name):
                self.add_error(name, "This question needs it.")
        for name in ("person", "other"):
            if data.get(name) and name not in self.errors:
                try:
                    person = selectors.person_from_text(
                        actor=self.actor, text=data[name], field=name
                    )
                except ServiceError as error:
                    self.add_error(name, error.message)
                else:
                    data[name] = person.pk
        return data


@dataclass
class Result:
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    summary: str = ""
    picture: pictures.Picture | None = None
    query: str = ""

    @property
    def columns(self) -> list[str]:
        """Every key of every row, in order of first appearance: rows differ (a delegation edge
        of a proof carries its grant and limits), and each needs a header."""
        return list(dict.fromkeys(key for row in self.rows for key in row))

    @property
    def cells(self) -> list[list[Any]]:
        """Each row's values under `columns`, blank where the row has no such key."""
        columns = self.columns
        return [[row.get(column) for column in columns] for row in self.rows]


def counted(number: int, thing: str, things: str | None = None) -> str:
    """`1 chain`, `2 chains`: the summaries' counts in words."""
    return f"{number} {thing if number == 1 else things or thing + 's'}"


def _node_labels(edges: list[Edge]) -> dict[str, str]:
    """Table labels of proof nodes: a person's name with their id (two people may share a name),
    as the picture names them; a role or permission by its node text (`role:teacher`)."""
    names = pictures.person_names([node for e in edges for node in (e.source, e.target)])
    return {node: f"{name} (person {node.split(':', 1)[1]})" for node, name in names.items()}


def _day(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d}" if moment else ""


def _check(graph: GraphBackend, data: dict, at: datetime) -> Result:
    answer = graph.check(data["person"], data["permission"], at)
    verdict = "ALLOWED" if answer.allowed else "NOT allowed"
    hops = counted(answer.hops, "delegation hop")
    summary = f"{verdict} ({hops}, weight {answer.weight})"
    if answer.cycles:
        summary += f"; cycles met and not followed: {answer.cycles}"
    picture = pictures.render(pictures.edges_dot(answer.proof, f"proof: {data['permission']}"))
    labels = _node_labels(answer.proof)
    rows = [
        {
            "edge": e.kind if e.id is None else f"{e.kind} #{e.id}",
            "from": labels.get(e.source, e.source),
            "to": labels.get(e.target, e.target),
            "valid": f"{_day(e.valid_from)} → {_day(e.valid_to) or '…'}" if e.valid_from else "",
            **e.detail,
        }
        for e in answer.proof
    ]
    return Result("check", rows, summary, picture if answer.proof else None, answer.query)


def _who_can(graph: GraphBackend, data: dict, at: datetime) -> Result:
    page = graph.who_can(data["permission"], at, limit=100)
    summary = (
        "complete" if page.complete else f"first 100; next page after person {page.next_cursor}"
    )
    return Result("who can", page.items, summary, None, page.query)


def _what_can(graph: GraphBackend, data: dict, at: datetime) -> Result:
    answer = graph.what_can(data["person"], at)
    summary = counted(len(answer.items), "permission")
    return Result("what can", answer.items, summary, None, answer.query)


def _paths(graph: GraphBackend, data: dict, at: datetime) -> Result:
    found = graph.paths(
        data["person"], data["other"], at, permission=data.get("permission") or None
    )
    chains = found.shortest + found.cheapest
    names = pictures.person_names(
        [node for c in chains for e in c.links for node in (e.source, e.target)]
    )
    rows = [
        {
            "ranking": ranking,
            "hops": chain.hops,
            "weight": chain.weight,
            "links": "; ".join(
                f"{names.get(e.source, e.source)} → {names.get(e.target, e.target)} "
                f"(delegation #{e.id})"
                for e in chain.links
            ),
        }
        for ranking, chains in (("shortest", found.shortest), ("cheapest", found.cheapest))
        for chain in chains
    ]
    picture = pictures.render(pictures.chains_dot(chains, "delegation chains")) if chains else None
    summary = counted(len(found.shortest), "chain")
    return Result("paths", rows, summary, picture, found.query)


def _org(graph: GraphBackend, data: dict, at: datetime) -> Result:
    person = selectors.person_get(data["person"])
    chain = graph.manager_chain(person.pk, at)
    reports = graph.reports(person.pk, at, max_depth=2)
    ids = [person.pk] + [row["id"] for row in chain.items]
    rows = [
        {"id": pid, "name": name, "parent": parent}
        for pid, name, parent in zip(
            ids,
            [person.name] + [row["name"] for row in chain.items],
            [row["id"] for row in chain.items] + [None],
            strict=True,
        )
    ]
    rows += [{"id": r["id"], "name": r["name"], "parent": r["manager_id"]} for r in reports.items]
    picture = pictures.render(pictures.org_dot(rows, person.pk, f"around {person.name}"))
    query = f"-- managers\n{chain.query}\n\n-- reports (2 levels)\n{reports.query}"
    summary = f"{counted(len(chain.items), 'manager')}, {counted(len(reports.items), 'report')}"
    return Result("org chart", _parents_named(rows, "reports to"), summary, picture, query)


def _parents_named(rows: list[dict[str, Any]], heading: str) -> list[dict[str, Any]]:
    """Each row's `parent` id replaced by the parent's name, read from the rows themselves (the
    picture draws the same tree from the ids)."""
    names = {row["id"]: row["name"] for row in rows}
    return [
        {**{k: v for k, v in row.items() if k != "parent"}, heading: names.get(row["parent"], "")}
        for row in rows
    ]


def _units(graph: GraphBackend, data: dict, at: datetime) -> Result:
    unit = selectors.unit_get(data["unit"]) if data.get("unit") else None
    tree = graph.unit_tree(unit.pk if unit else None)
    rows = [{**row, "parent": row["parent_id"] if row["depth"] else None} for row in tree.items]
    picture = pictures.render(
        pictures.org_dot(rows, unit.pk if unit else None, "units", count="people")
    )
    table = [{k: v for k, v in row.items() if k != "parent_id"} for row in rows]
    summary = counted(len(tree.items), "unit")
    return Result("unit tree", _parents_named(table, "parent unit"), summary, picture, tree.query)


def _common(graph: GraphBackend, data: dict, at: datetime) -> Result:
    answer = graph.lowest_common_manager(data["person"], data["other"], at)
    summary = answer.items[0]["name"] if answer.items else "no common manager"
    return Result("lowest common manager", answer.items, summary, None, answer.query)


ANSWER = {
    "check": _check,
    "who_can": _who_can,
    "what_can": _what_can,
    "paths": _paths,
    "org": _org,
    "units": _units,
    "common": _common,
}


def _examples(actor: Actor) -> list[tuple[str, dict[str, Any]]]:
    """A few questions worth asking on the demo data, as ready-made links."""
    latest = selectors.example_delegation(actor=actor)
    if latest is None:
        return []
    grant = latest.permission.codename if latest.permission else None
    examples = [
        ("who runs the org chart around", {"question": "org", "person": latest.delegatee_id})
    ]
    if grant:
        examples.insert(
            0,
            (
                "why may this delegatee",
                {"question": "check", "person": latest.delegatee_id, "permission": grant},
            ),
        )
    examples.append(
        (
            "chains between",
            {"question": "paths", "person": latest.delegator_id, "other": latest.delegatee_id},
        )
    )
    return examples


def about(data: dict[str, Any]) -> list[int] | None:
    """The people a question is about (None: everyone), for the access policy."""
    if data["question"] == "who_can":
        return None
    return [data[name] for name in ("person", "other") if data.get(name)]


def ran(calls: telemetry.Stats) -> str:
    """The graph calls of an answer as they ran (values in place), each under its label, with
    its PROFILE plan on Neo4j."""
    texts = [_call_text(event) for event in calls.of("graph")]
    if len(texts) == 1:
        return texts[0]
    return "\n\n".join(
        f"-- {event.label}\n{text}" for event, text in zip(calls.of("graph"), texts, strict=True)
    )


def _call_text(event: telemetry.StoreEvent) -> str:
    plan = event.detail.get("plan")
    query = str(event.detail.get("query", ""))
    return f"{query}\n{plan.text()}" if plan is not None else query


@login_required
def people_suggest(request: HttpRequest) -> JsonResponse:
    """`?q=ada ng`: up to ten people the caller may ask about, for the explorer's name boxes."""
    found = selectors.people_named(actor=request.user, text=request.GET.get("q", "")[:200])
    results = [
        {"id": person.pk, "name": person.name, "label": selectors.person_label(person)}
        for person in found
    ]
    return JsonResponse({"results": results})


@login_required
@policies.remembering()
def index(request: HttpRequest) -> HttpResponse:
    """The explorer: the same questions, under the same access policy, as the API."""
    form = QuestionForm(request.GET or None, actor=request.user)
    result = None
    status = 200
    at = timezone.now()
    if form.is_valid():
        at = form.cleaned_data.get("at") or at
        try:
            graph = selectors.graph_for(actor=request.user, about=about(form.cleaned_data))
            with telemetry.collect() as calls, profiling():
                result = ANSWER[form.cleaned_data["question"]](graph, form.cleaned_data, at)
            result.query = ran(calls) or result.query
        except ServiceError as error:
            status = 403 if isinstance(error, ForbiddenError) else 200  # bad input: a form error
            form.add_error(error.field if error.field in form.fields else None, error.message)
    if result is not None and not telemetry.shows_internals(request):
        result.query = ""
    context = {
        "form": form,
        "result": result,
        "at": at,
        "backend": get_graph().name,
        "examples": _examples(request.user),
        "counts": {
            "delegations": Delegation.objects.count(),
            "permissions": Permission.objects.count(),
        },
    }
    return render(request, "delegation/index.html", context, status=status)
