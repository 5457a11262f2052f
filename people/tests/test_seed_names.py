"""Demo names: realistic (no digits), unique over the large seed's shape, and deterministic."""

import re

import pytest

from people.seed import FAMILY, GIVEN, INITIALS, demo_name, org_tree


def _names(size: str) -> list[str]:
    return [" ".join(demo_name(node.number)) for node in org_tree(size)]


@pytest.mark.parametrize("size", ["small", "large"])
def test_demo_names_have_no_digits_and_are_unique(size: str) -> None:
    names = _names(size)
    assert not [name for name in names if re.search(r"\d", name)]
    assert len(set(names)) == len(names)


def test_demo_names_are_deterministic_and_add_a_middle_initial_only_after_the_grid() -> None:
    grid = len(GIVEN) * len(FAMILY)
    assert _names("small") == _names("small")
    assert demo_name(0) == ("Ada", "Ngata")
    assert "." not in demo_name(grid - 1)[0]
    assert demo_name(grid) == ("Ada A.", "Ngata")


def test_demo_name_refuses_a_number_beyond_the_unique_range() -> None:
    with pytest.raises(ValueError, match="no unique demo name"):
        demo_name(len(GIVEN) * len(FAMILY) * (len(INITIALS) + 1))
