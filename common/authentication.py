"""Token authentication whose lookups are cached: usually no round trip at all, never a query.

DRF's `TokenAuthentication` reads the token and its user from the database on every request.
Here the pair comes from two tiers:

1. **this process**, for `AUTH_TOKEN_LOCAL_TTL` seconds (a small LRU; each request gets its own
   copies of the instances, so nothing one request sets on `request.user` reaches another);
2. **the cache** (`common.cache.readthrough`, family `auth.token`, keyed by a digest of the token
   so that no key in Redis is a credential; the entry holds the two rows' columns as JSON, without
   the password hash), else the database.

Every change that can revoke or alter the pair invalidates it after commit: deleting a token,
saving or deleting its user (deactivation, a password or staff change). The cache tier is
invalidated for every worker at once (its generation lives in Redis; an invalidation Redis missed
is kept in `PendingInvalidation`), the process tier of the writing worker at once and of the other
workers within `AUTH_TOKEN_LOCAL_TTL` (default 5 s; 0 turns the tier off): that window is the
price of a read with no round trip. Unknown tokens and inactive users are refused by DRF's own
check and never cached. With Redis down, a lookup the process does not hold asks the database.
"""

from __future__ import annotations

import copy
import hashlib
import threading
import time
from collections import OrderedDict
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from common.cache.readthrough import Family, invalidate_on_commit, read_many

M = TypeVar("M", bound=Model)

TOKENS = Family("auth.token")
LOCAL_ENTRIES = 1024  # tokens one process holds at most


class LocalTokens:
    """A process's LRU of digest -> (expiry, user, token)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[float, Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, ident: str) -> tuple[Any, Any] | None:
        with self._lock:
            found = self._entries.get(ident)
            if found is None:
                return None
            if found[0] <= time.monotonic():
                del self._entries[ident]
                return None
            self._entries.move_to_end(ident)
        return _own_copies(found[1], found[2])

    def put(self, ident: str, user: Any, token: Any, ttl: float) -> None:
        with self._lock:
            self._entries[ident] = (time.monotonic() + ttl, user, token)
            self._entries.move_to_end(ident)
            while len(self._entries) > LOCAL_ENTRIES:
                self._entries.popitem(last=False)

    def forget(self, idents: list[str]) -> None:
        with self._lock:
            for ident in idents:
                self._entries.pop(ident, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _own_copies(user: Any, token: Any) -> tuple[Any, Any]:
    """Copies of the model instances (their state and caches included) for one request."""
    user, token = copy.copy(user), copy.copy(token)
    token.user = user
    return user, token


local_tokens = LocalTokens()


def _local_ttl() -> float:
    return float(getattr(settings, "AUTH_TOKEN_LOCAL_TTL", 5.0))


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        ident = token_digest(key)
        ttl = _local_ttl()
        found = local_tokens.get(ident) if ttl > 0 else None
        if found is not None:
            return found
        origin = super().authenticate_credentials  # the query, and DRF's refusals

        def load(_idents: list[str]) -> dict[str, dict[str, Any]]:
            return {ident: pair_data(*origin(key))}

        user, token = pair_from_data(read_many(TOKENS, [ident], load).of(TOKENS)[ident])
        if ttl > 0:
            local_tokens.put(ident, user, token, ttl)
            return _own_copies(user, token)
        return user, token


def _row_data(instance: Model, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The instance's column values as JSON data (the read-through stores JSON, not pickles)."""
    data = {}
    for field in instance._meta.concrete_fields:
        if field.attname not in skip:
            value = field.value_from_object(instance)
            data[field.attname] = value.isoformat() if isinstance(value, datetime) else value
    return data


def _row_from_data(model: type[M], data: dict[str, Any]) -> M:
    """An instance as if loaded by a query; the columns `data` lacks are deferred."""
    fields = [field for field in model._meta.concrete_fields if field.attname in data]
    values = [field.to_python(data[field.attname]) for field in fields]
    return model.from_db(DEFAULT_DB_ALIAS, [field.attname for field in fields], values)


def pair_data(user: Any, token: Any) -> dict[str, Any]:
    # The password hash stays out of the cache: nothing on the API path reads it, and a read
    # of the deferred column (a password check) loads it from the database.
    return {"user": _row_data(user, skip=frozenset({"password"})), "token": _row_data(token)}


def pair_from_data(data: dict[str, Any]) -> tuple[Any, Any]:
    user = _row_from_data(get_user_model(), data["user"])
    token = _row_from_data(Token, data["token"])
    token.user = user
    return user, token


def _invalidate(idents: list[str]) -> None:
    invalidate_on_commit(TOKENS, idents)
    transaction.on_commit(lambda: local_tokens.forget(idents))
    local_tokens.forget(idents)  # also now: a reader in this process must not re-cache it


def _token_deleted(sender: type, instance: Token, **_kwargs: Any) -> None:
    _invalidate([token_digest(instance.key)])


def _user_changed(sender: type, instance: Any, **_kwargs: Any) -> None:
    keys = list(Token.objects.filter(user_id=instance.pk).values_list("key", flat=True))
    if keys:
        _invalidate([token_digest(key) for key in keys])


def connect_signals() -> None:
    """Called from CommonConfig.ready()."""
    post_delete.connect(_token_deleted, sender=Token, dispatch_uid="common.auth.token_deleted")
    user = get_user_model()
    post_save.connect(_user_changed, sender=user, dispatch_uid="common.auth.user_saved")
    post_delete.connect(_user_changed, sender=user, dispatch_uid="common.auth.user_deleted")
