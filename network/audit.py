"""The audit log's one entry point: record who did what to which object, never the content."""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.conf import settings
from django.db import models

from .models import AuditEntry

logger = logging.getLogger(__name__)


def user_key(user_or_pk) -> str:
    """A stable pseudonymous key for a person: an HMAC of the server secret and their id.

    Erasing the person deletes the only link from this key back to them.
    """
    pk = getattr(user_or_pk, "pk", user_or_pk)
    if pk is None:
        return ""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"user:{pk}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def object_key(obj: models.Model | None) -> str:
    if obj is None:
        return ""
    subject = getattr(obj, "audit_subject_user_id", None)
    if subject is not None:
        return user_key(subject)
    from django.contrib.auth import get_user_model

    if isinstance(obj, get_user_model()):
        return user_key(obj)
    return str(obj.pk)


def _role_of(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    if actor.is_superuser:
        return "superuser"
    names = sorted(group.name for group in actor.groups.all())
    return ", ".join(names)[:60]


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    actor=None,
    origin: str = "web",
    object_type: str | None = None,
) -> AuditEntry:
    """Append one entry; `action` is a short verb such as "member.invite" or "privacy.export"."""
    if object_type is None and obj is not None:
        object_type = obj._meta.label_lower
    entry = AuditEntry.objects.create(
        actor_key=user_key(actor) if actor is not None and actor.is_authenticated else "",
        actor_role=_role_of(actor),
        action=action,
        object_type=object_type or "",
        object_key=object_key(obj),
        origin=origin,
    )
    logger.info("audit %s %s:%s", action, entry.object_type, entry.object_key)
    return entry
