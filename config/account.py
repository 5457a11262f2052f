"""Members' own pages: the account overview (loans, holds, fines, enrolments) and the token
endpoint. Here because the overview gathers several apps; sign-in itself is Django's auth views
(`config/urls.py`), throttled per user and per IP by django-axes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from delegation import authz
from library import selectors as library_selectors
from school import selectors as school_selectors


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in member's own loans, holds, unpaid fines, enrolments and teaching."""
    own = {"member__user_id": request.user.pk}
    person_id = authz.person_id_of(request.user)
    context = {
        "loans": library_selectors.all_loans().filter(returned_at__isnull=True, **own),
        "holds": library_selectors.hold_list(user=request.user).filter(**own),
        "fines": library_selectors.fine_list(user=request.user).filter(paid_at__isnull=True, **own),
        "enrollments": school_selectors.enrollments_of(student_id=person_id) if person_id else [],
        "teaching": (
            school_selectors.teaching_by_teacher(teacher_ids=[person_id])[person_id]
            if person_id
            else []
        ),
    }
    return render(request, "account/account.html", context)


class TokenView(ObtainAuthToken):
    """Username and password in, the account's API token out (the same token every time)."""

    @extend_schema(
        request=ObtainAuthToken.serializer_class,
        responses={
            200: inline_serializer("AuthToken", {"token": serializers.CharField()}),
            400: OpenApiResponse(description="Wrong username or password"),
            403: OpenApiResponse(description="Locked out after too many failed attempts"),
        },
        auth=[],
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().post(request, *args, **kwargs)
