"""Model validation that the admin runs (full_clean) before the database sees a row."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from library.tests.factories import BookFactory, CategoryFactory

pytestmark = pytest.mark.django_db


def test_a_category_cannot_move_below_its_own_descendant():
    root = CategoryFactory()
    child = CategoryFactory(parent=root)
    grandchild = CategoryFactory(parent=child)
    root.parent = grandchild
    with pytest.raises(ValidationError) as caught:
        root.full_clean()
    assert "parent" in caught.value.message_dict
    type(grandchild).objects.get(pk=grandchild.pk).full_clean()  # the saved tree is fine


@pytest.mark.parametrize(("isbn", "valid"), [("9780262033848", True), ("026203384X", True),
                                             ("978-0262", False), ("12345", False)])  # fmt: skip
def test_isbn_format(isbn, valid):
    book = BookFactory.build(isbn=isbn, category=CategoryFactory())
    if valid:
        book.full_clean()
    else:
        with pytest.raises(ValidationError):
            book.full_clean()
