"""Token authentication whose lookups are cached: one cache round trip per request, no query.

DRF's `TokenAuthentication` reads the token and its user from the database on every request.
Here the pair is read through the cache (`common.cache.readthrough`, family `auth.token`, keyed
by a digest of the token so that no key in Redis is a credential). Every change that can revoke
or alter it invalidates the entry after commit, in every worker at once (the generation lives in
Redis, and an invalidation Redis missed is kept in `PendingInvalidation`): deleting a token,
and saving or deleting its user (deactivation, a password or staff change). Unknown tokens and
inactive users are refused by DRF's own check and never cached. With Redis down, every request
asks the database, as before.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from common.cache.readthrough import Family, invalidate_on_commit, read_many

TOKENS = Family("auth.token")


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        ident = token_digest(key)
        origin = super().authenticate_credentials  # the query, and DRF's refusals

        def load(_idents: list[str]) -> dict[str, tuple[Any, Any]]:
            return {ident: origin(key)}

        return read_many(TOKENS, [ident], load).of(TOKENS)[ident]


def _token_deleted(sender: type, instance: Token, **_kwargs: Any) -> None:
    invalidate_on_commit(TOKENS, [token_digest(instance.key)])


def _user_changed(sender: type, instance: Any, **_kwargs: Any) -> None:
    keys = list(Token.objects.filter(user_id=instance.pk).values_list("key", flat=True))
    if keys:
        invalidate_on_commit(TOKENS, [token_digest(key) for key in keys])


def connect_signals() -> None:
    """Called from CommonConfig.ready()."""
    post_delete.connect(_token_deleted, sender=Token, dispatch_uid="common.auth.token_deleted")
    user = get_user_model()
    post_save.connect(_user_changed, sender=user, dispatch_uid="common.auth.user_saved")
    post_delete.connect(_user_changed, sender=user, dispatch_uid="common.auth.user_deleted")
