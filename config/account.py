"""Members' own pages: the account overview (loans, holds, fines, enrolments) and the token
endpoint. Here because the overview gathers several apps; sign-in itself is Django's auth views
(`config/urls.py`), throttled per user and per IP by django-axes."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.exceptions import ForbiddenError
from common.throttling import AnonWindowThrottle
from common.tokens import token_revoke
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


class TokenSerializer(AuthTokenSerializer):
    """DRF's, with the username bounded as the account's own column is (a longer one is
    nobody's)."""

    username = serializers.CharField(
        label="Username", write_only=True, max_length=User._meta.get_field("username").max_length
    )


class TokenThrottle(AnonWindowThrottle):
    """Password guesses per address, beside axes' lockouts, whether or not signed in."""

    scope = "token"

    def get_cache_key(self, request: Request, view: object) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenView(ObtainAuthToken):
    """POST: username and password in, the account's API token out (the same token every
    time). DELETE: the signed-in member revokes their own token."""

    # DRF's view brings its own parsers and no throttle: the site's guarded ones instead.
    parser_classes = APIView.parser_classes
    throttle_classes = [TokenThrottle]
    serializer_class = TokenSerializer

    def get_permissions(self) -> list[BasePermission]:
        return [IsAuthenticated()] if self.request.method == "DELETE" else []

    @extend_schema(
        request=TokenSerializer,
        responses={
            200: inline_serializer("AuthToken", {"token": serializers.CharField()}),
            400: OpenApiResponse(description="Wrong username or password"),
            403: OpenApiResponse(description="Locked out after too many failed attempts"),
            429: OpenApiResponse(description="Too many requests from this address"),
        },
        auth=[],
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # axes marks the request it refused; DRF's serializer reports any refusal alike.
            if getattr(request, "axes_locked_out", False):
                raise ForbiddenError(
                    "Locked out after too many failed sign-ins; try again later.",
                    code="locked_out",
                ) from None
            raise

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        token_revoke(actor=request.user, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's, and the member's API token revoked with the old password, in one transaction."""

    template_name = "account/password_change.html"

    @method_decorator(transaction.atomic)
    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        token_revoke(actor=form.user, user=form.user)
        return response
