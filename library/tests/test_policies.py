"""Who may circulate for whom: the services ask `library.policies`, whatever door calls them."""

from __future__ import annotations

import pytest

from common.exceptions import ForbiddenError
from library import policies, services
from library.models import CirculationEvent
from library.tests.factories import BookFactory, CopyFactory, LoanFactory, MemberFactory

pytestmark = pytest.mark.django_db


def test_system_writes_and_staff_circulate_for_anyone(staff_user):
    member = MemberFactory()
    assert policies.may_act_for(actor=None, member=member)
    assert policies.may_act_for(actor=staff_user, member=member)


def test_a_member_acts_for_their_own_membership_only():
    mine, theirs = MemberFactory(), MemberFactory()
    assert policies.may_act_for(actor=mine.user, member=mine)
    assert not policies.may_act_for(actor=mine.user, member=theirs)
    assert not policies.may_circulate(actor=mine.user)


def test_a_hold_for_someone_else_is_refused_and_the_refusal_names_the_actor():
    mine, theirs = MemberFactory(), MemberFactory()
    with pytest.raises(ForbiddenError):
        services.hold_place(actor=mine.user, member=theirs, book=BookFactory())
    event = CirculationEvent.objects.get()
    assert (event.outcome, event.reason, event.actor, event.member) == (
        "refused",
        "permission_denied",
        mine.user,
        theirs,
    )
    assert not theirs.holds.exists()


def test_members_renew_their_own_loans_but_not_others():
    loan = LoanFactory()
    assert services.loan_renew(actor=loan.member.user, loan=loan).renewals_used == 1
    with pytest.raises(ForbiddenError):
        services.loan_renew(actor=MemberFactory().user, loan=loan)


def test_members_cancel_only_their_own_holds():
    member = MemberFactory()
    hold = services.hold_place(actor=member.user, member=member, book=BookFactory())
    with pytest.raises(ForbiddenError):
        services.hold_cancel(actor=MemberFactory().user, hold=hold)
    assert services.hold_cancel(actor=member.user, hold=hold).status == "cancelled"


def test_lending_and_returning_need_circulation_rights_even_for_oneself():
    member = MemberFactory()
    with pytest.raises(ForbiddenError):
        services.loan_checkout(actor=member.user, member=member, barcodes=[CopyFactory().barcode])
    assert not member.loans.exists()
    loan = LoanFactory(member=member)
    with pytest.raises(ForbiddenError):
        services.loan_return(actor=member.user, loan=loan)
    loan.refresh_from_db()
    assert loan.returned_at is None
