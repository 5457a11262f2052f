"""DRF's token authentication, each worker remembering a lookup for a few seconds.

DRF's `TokenAuthentication` reads the token joined to its user on every request; at the API's
floor that query costs more than the rest of an authenticated read (ARCHITECTURE.md, "Home-made,
and why"). So each worker keeps the pair it read for `AUTH_TOKEN_LOCAL_TTL` seconds (default 5;
0 turns this off) in a small LRU, and hands each request its own copies of the instances, so
nothing one request sets on `request.user` reaches another.

Deleting a token, or saving or deleting its user (deactivation, a password or staff change),
forgets it in the writing worker at once and again after commit (no query, no cache round trip);
the other workers refuse it within `AUTH_TOKEN_LOCAL_TTL`. Unknown tokens and inactive users are
refused by DRF's own check and never remembered.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

LOCAL_ENTRIES = 1024  # tokens one worker remembers at most


class LocalTokens:
    """A worker's LRU of token key -> (expiry, user, token)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[float, Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[Any, Any] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] <= time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
        return _own_copies(found[1], found[2])

    def put(self, key: str, user: Any, token: Any, ttl: float) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + ttl, user, token)
            self._entries.move_to_end(key)
            while len(self._entries) > LOCAL_ENTRIES:
                self._entries.popitem(last=False)

    def forget_user(self, user_id: Any) -> None:
        with self._lock:
            for key in [k for k, (_, user, _) in self._entries.items() if user.pk == user_id]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _own_copies(user: Any, token: Any) -> tuple[Any, Any]:
    """Copies of the model instances (their state and caches included) for one request."""
    user, token = copy.copy(user), copy.copy(token)
    token.user = user
    return user, token


local_tokens = LocalTokens()


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        ttl = float(settings.AUTH_TOKEN_LOCAL_TTL)
        found = local_tokens.get(key) if ttl > 0 else None
        if found is not None:
            return found
        user, token = super().authenticate_credentials(key)  # the query, and DRF's refusals
        if ttl > 0:
            local_tokens.put(key, user, token, ttl)
            return _own_copies(user, token)
        return user, token


def _forget(user_id: Any) -> None:
    # Now, so that a reader in this worker does not keep it, and after commit, for one that read
    # it in between (the change was not visible to it yet).
    local_tokens.forget_user(user_id)
    transaction.on_commit(lambda: local_tokens.forget_user(user_id))


def _token_deleted(sender: type, instance: Token, **_kwargs: Any) -> None:
    _forget(instance.user_id)


def _user_changed(sender: type, instance: Any, **_kwargs: Any) -> None:
    _forget(instance.pk)


def connect_signals() -> None:
    """Called from CommonConfig.ready()."""
    post_delete.connect(_token_deleted, sender=Token, dispatch_uid="common.auth.token_deleted")
    user = get_user_model()
    post_save.connect(_user_changed, sender=user, dispatch_uid="common.auth.user_saved")
    post_delete.connect(_user_changed, sender=user, dispatch_uid="common.auth.user_deleted")
