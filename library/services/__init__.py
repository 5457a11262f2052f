"""Writes of the library: circulation (checkout, return, renewal, holds) and the catalogue."""

from library.services.catalogue import (
    author_create,
    book_create,
    book_update,
    category_create,
    copy_create,
    copy_update,
)
from library.services.circulation import (
    CheckoutMode,
    CheckoutResult,
    Refusal,
    ReturnResult,
    cancel_hold,
    checkout,
    fine_amount,
    member_block,
    place_hold,
    renew,
    return_copy,
)

__all__ = [
    "CheckoutMode",
    "CheckoutResult",
    "Refusal",
    "ReturnResult",
    "author_create",
    "book_create",
    "book_update",
    "cancel_hold",
    "category_create",
    "checkout",
    "copy_create",
    "copy_update",
    "fine_amount",
    "member_block",
    "place_hold",
    "renew",
    "return_copy",
]
