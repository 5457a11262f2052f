"""The circulation desk: a page of the admin for what librarians do all day.

Each form names rows by what the librarian has in hand (the card number, the barcodes scanned,
the ISBN) and calls the same service as the API; what the service did or refused comes back as
admin messages in words. Every form posts back to the page and is redirected (post, redirect,
get), so reloading never lends twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from common.exceptions import ServiceError
from library import policies, selectors, services
from library.models import Fine
from library.services import CheckoutMode, ReturnResult

Message = tuple[int, str]


def barcodes_of(text: str) -> list[str]:
    """Barcodes as scanned: one per line, or separated by spaces or commas."""
    return [code for code in re.split(r"[\s,]+", text) if code]


class BarcodesField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3, "cols": 30})

    def to_python(self, value: str | None) -> list[str]:  # type: ignore[override]
        return barcodes_of(super().to_python(value) or "")


class CheckoutForm(forms.Form):
    card_number = forms.CharField(max_length=20)
    barcodes = BarcodesField(help_text="One or more, as scanned.")
    partial = forms.BooleanField(
        required=False, help_text="Lend what can be lent (otherwise all or nothing)."
    )


class BarcodesForm(forms.Form):
    barcodes = BarcodesField(help_text="One or more, as scanned.")


class HoldForm(forms.Form):
    card_number = forms.CharField(max_length=20)
    isbn = forms.CharField(label="ISBN", max_length=17)


class FineForm(forms.Form):
    card_number = forms.CharField(max_length=20)
    fine = forms.IntegerField(required=False, help_text="Blank: every fine the member owes.")
    reason = forms.CharField(max_length=200, required=False, help_text="Needed to waive.")


def _checkout(request: HttpRequest, data: dict[str, Any]) -> Iterator[Message]:
    member = selectors.member_by_card(data["card_number"])
    mode = CheckoutMode.PARTIAL if data["partial"] else CheckoutMode.ALL_OR_NOTHING
    try:
        result = services.loan_checkout(
            actor=request.user, member=member, barcodes=data["barcodes"], mode=mode
        )
    except ServiceError as error:
        yield messages.ERROR, f"Nothing was lent to {member.card_number}: {error.message}"
        return
    for loan in result.loans:
        yield (
            messages.SUCCESS,
            (f"Lent {loan.copy.barcode} to {member.card_number}, due {loan.due_at:%Y-%m-%d}."),
        )
    for refusal in result.refused:
        yield messages.ERROR, f"Not lent: {refusal.message}"


def return_messages(result: ReturnResult) -> Iterator[Message]:
    """What the desk says after a return: the fine charged, where the copy goes."""
    loan = result.loan
    yield messages.SUCCESS, f"Returned {loan.copy.barcode} from {loan.member.card_number}."
    if result.fine is not None:
        yield (
            messages.WARNING,
            f"Fine of {result.fine.amount} charged to {loan.member.card_number}.",
        )
    if result.hold is not None:
        yield (
            messages.INFO,
            (f"Put {loan.copy.barcode} on the hold shelf for {result.hold.member.card_number}."),
        )


def _return(request: HttpRequest, data: dict[str, Any]) -> Iterator[Message]:
    for barcode in data["barcodes"]:
        loan = selectors.active_loan_by_barcode(barcode)
        yield from return_messages(services.loan_return(actor=request.user, loan=loan))


def _renew(request: HttpRequest, data: dict[str, Any]) -> Iterator[Message]:
    for barcode in data["barcodes"]:
        loan = services.loan_renew(
            actor=request.user, loan=selectors.active_loan_by_barcode(barcode)
        )
        yield messages.SUCCESS, f"Renewed {barcode}, now due {loan.due_at:%Y-%m-%d}."


def _hold_place(request: HttpRequest, data: dict[str, Any]) -> Iterator[Message]:
    member = selectors.member_by_card(data["card_number"])
    book = selectors.book_by_isbn(data["isbn"])
    hold = services.hold_place(actor=request.user, member=member, book=book)
    ready = f", copy {hold.copy} set aside" if hold.copy_id else ""
    yield messages.SUCCESS, f"Hold placed for {member.card_number}: place {hold.position}{ready}."


def _hold_cancel(request: HttpRequest, data: dict[str, Any]) -> Iterator[Message]:
    member = selectors.member_by_card(data["card_number"])
    hold = selectors.active_hold(member, selectors.book_by_isbn(data["isbn"]))
    services.hold_cancel(actor=request.user, hold=hold)
    yield messages.SUCCESS, f"Cancelled the hold of {member.card_number}."


def _fines(member_card: str, fine_id: int | None) -> list[Fine]:
    owed = selectors.owed_fines(selectors.member_by_card(member_card))
    chosen = [fine for fine in owed if fine_id is None or fine.pk == fine_id]
    if not chosen:
        raise ServiceError(f"Member {member_card} owes no such fine.", code="fine_not_found")
    return chosen


def _fine_pay(request: HttpRequest, data: dict[str, Any]) -> Iterator[Message]:
    for fine in _fines(data["card_number"], data["fine"]):
        services.fine_pay(actor=request.user, fine=fine)
        yield messages.SUCCESS, f"Fine {fine.pk} of {fine.amount} paid."


def _fine_waive(request: HttpRequest, data: dict[str, Any]) -> Iterator[Message]:
    for fine in _fines(data["card_number"], data["fine"]):
        services.fine_waive(actor=request.user, fine=fine, reason=data["reason"])
        yield messages.SUCCESS, f"Fine {fine.pk} of {fine.amount} waived."


Handler = Callable[[HttpRequest, dict[str, Any]], Iterator[Message]]
# name: (title, form, handler); a name is its form's prefix and the value its button posts.
OPERATIONS: dict[str, tuple[str, type[forms.Form], Handler]] = {
    "checkout": ("Check out", CheckoutForm, _checkout),
    "return": ("Check in", BarcodesForm, _return),
    "renew": ("Renew", BarcodesForm, _renew),
    "hold_place": ("Place a hold", HoldForm, _hold_place),
    "hold_cancel": ("Cancel a hold", HoldForm, _hold_cancel),
    "fine_pay": ("Pay fines", FineForm, _fine_pay),
    "fine_waive": ("Waive fines", FineForm, _fine_waive),
}


def run(request: HttpRequest, operation: str) -> list[Message]:
    """Validate the posted form of `operation` and run it; every outcome becomes a message.

    Each service commits on its own, so the messages of a multi-barcode form report what was
    done before a refusal as well as the refusal.
    """
    _, form_class, handler = OPERATIONS[operation]
    form = form_class(request.POST, prefix=operation)
    if not form.is_valid():
        return [
            (messages.ERROR, f"{form[name].label}: {_sentences(errors)}")
            if name in form.fields
            else (messages.ERROR, _sentences(errors))
            for name, errors in form.errors.items()
        ]
    said: list[Message] = []
    try:
        said.extend(handler(request, form.cleaned_data))
    except ServiceError as error:
        said.append((messages.ERROR, error.message))
    return said


def _sentences(errors: forms.utils.ErrorList) -> str:
    return " ".join(str(error) for error in errors)


def desk_view(request: HttpRequest) -> HttpResponse:
    """The desk; `?card=` shows that member's loans, holds and fines and fills in the card."""
    if not policies.may_circulate(actor=request.user):
        raise PermissionDenied("The desk is for circulation staff.")
    if request.method == "POST":
        operation = request.POST.get("operation", "")
        if operation in OPERATIONS:
            for level, message in run(request, operation):
                messages.add_message(request, level, message)
        card = request.POST.get(f"{operation}-card_number", "").strip()
        return HttpResponseRedirect(_desk_url(card))
    card = request.GET.get("card", "").strip()
    context = {
        "title": "Circulation desk",
        "card": card,
        **_member_at_desk(card),
        "panels": [
            (name, title, form_class(prefix=name, initial={"card_number": card}))
            for name, (title, form_class, _) in OPERATIONS.items()
        ],
        **admin.site.each_context(request),
    }
    return TemplateResponse(request, "admin/library/desk.html", context)


def _desk_url(card: str) -> str:
    url = reverse("admin:library_desk")
    return f"{url}?{urlencode({'card': card})}" if card else url


def _member_at_desk(card: str) -> dict[str, Any]:
    """`found`: the member's summary; `not_found`: why there is none (shown in its box, not as
    a message, which the refusal that redirected here may already have said)."""
    if not card:
        return {}
    try:
        return {"found": selectors.desk_member(card)}
    except ServiceError as error:
        return {"not_found": error.message}
