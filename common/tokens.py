"""Writes of API tokens: a member revokes their own, and a password change revokes them all."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from rest_framework.authtoken.models import Token

from common.actors import Actor, user_of
from common.models import AuditEntry


@transaction.atomic
def token_revoke(*, actor: Actor, user: Any) -> bool:
    """Delete `user`'s API token; True when there was one. Workers forget its lookup within
    `AUTH_TOKEN_LOCAL_TTL` (this one at once: `common.authentication`). The audit
    entry names the token by its user: its key is a credential, and no log keeps one."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is None:
        return False
    before = {"user_id": token.user_id, "created": token.created}
    token.delete()
    AuditEntry.objects.create(
        actor=user_of(actor),
        action=AuditEntry.Action.DELETE,
        entity="token",
        entity_id=user.pk,
        before=before,
    )
    return True
