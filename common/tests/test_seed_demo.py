import pytest
from django.apps import apps
from django.core.management import call_command


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_deterministic() -> None:
    call_command("seed_demo", "--size", "small", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = _row_counts()
    call_command("seed_demo", "--size", "small", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _row_counts() == first
    assert first["school.Person"] > 0
    assert first["auth.User"] >= 2


@pytest.mark.django_db
def test_seed_demo_projects_the_graph_when_neo4j_is_the_backend(settings) -> None:
    settings.GRAPH_BACKEND = "neo4j"
    settings.NEO4J_BOLT_URL = "bolt://neo4j:secret@127.0.0.1:1"  # nothing listens: it must try
    with pytest.raises(Exception, match=r"(?i)connect|unavailable") as raised:
        call_command("seed_demo", "--size", "small", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert "neo4j" in type(raised.value).__module__
