import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from common import telemetry


@pytest.mark.django_db
def test_nested_blocks_each_count_their_own_calls_once() -> None:
    with telemetry.collect() as outer:
        User.objects.count()
        with telemetry.collect() as inner:
            User.objects.count()
            cache.get("k")
        cache.get_many(["a", "b"])
    assert inner.summary()["db"]["count"] == 1
    assert inner.summary()["cache"]["count"] == 1
    assert outer.summary()["db"]["count"] == 2
    assert outer.summary()["cache"]["count"] == 2
    assert telemetry.current() is None
