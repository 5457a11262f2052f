from collections.abc import Iterator

import pytest

from blog.schema_version import forget_schema_version


@pytest.fixture(autouse=True)
def _fresh_schema_version() -> Iterator[None]:
    """Each test reads the schema version anew (the per-process cache would carry it over)."""
    forget_schema_version()
    yield
    forget_schema_version()
