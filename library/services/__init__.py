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
    fine_amount,
    hold_cancel,
    hold_place,
    loan_checkout,
    loan_renew,
    loan_return,
    member_block,
)

__all__ = [
    "CheckoutMode",
    "CheckoutResult",
    "Refusal",
    "ReturnResult",
    "author_create",
    "book_create",
    "book_update",
    "category_create",
    "copy_create",
    "copy_update",
    "fine_amount",
    "hold_cancel",
    "hold_place",
    "loan_checkout",
    "loan_renew",
    "loan_return",
    "member_block",
]
