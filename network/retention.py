"""Retention rules of network's models and of the dependencies it declares, applied by due jobs.

Each function deletes what its registry entry's retention says has expired at `now`, and
returns how many rows went. They are idempotent: the privacy registry (network/privacy.py)
names each one beside its retention statement, and `run_due_jobs` runs them (see
`PrivacyRegistry.register(purge=...)`). Time limits are read from settings where the
operator may change them, so that the statements shown to people say the same.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q

from .models import (
    AuditEntry,
    ErasureLog,
    ImportJob,
    Invitation,
    MemberStatus,
    PendingNotification,
)

# Failed sign-ins are only needed while they can lock an account out.
LOGIN_ATTEMPTS_LIFETIME = timedelta(days=1)
# A background import's row: kept a day so that its page can still be reloaded.
IMPORT_JOB_LIFETIME = timedelta(days=1)
# An invitation nobody accepted: kept a month after it expired or was revoked, so that the
# coordinator sees what happened to it and may send another one.
UNUSED_INVITATION_DAYS = 30
# A registration never confirmed, or rejected: erased a month after it was made.
ABANDONED_REGISTRATION_DAYS = 30
# A digest item once sent is an empty marker that the person had their digest that day.
SENT_NOTIFICATION_LIFETIME = timedelta(days=2)
# An item never sent (the person left, or the due jobs stopped for long): two weeks.
UNSENT_NOTIFICATION_LIFETIME = timedelta(days=14)
# Wagtail's own limits (EditingSession.STALE_TIMEOUT and FormState.STALE_TIMEOUT).
EDITING_SESSION_LIFETIME = timedelta(hours=1)
FORM_STATE_LIFETIME = timedelta(hours=24)


def audit_retention_days() -> int:
    return int(getattr(settings, "MAILLAGE_AUDIT_RETENTION_DAYS", 5 * 365))


def erasure_log_retention_days() -> int:
    """Longer than the oldest backup kept (README, "Backups"): an erasure must outlive them."""
    return int(getattr(settings, "MAILLAGE_ERASURE_LOG_RETENTION_DAYS", 400))


def clear_expired_sessions(now: datetime) -> int:
    """Sign-in sessions past their expiry date (the database engine's, else the engine's own)."""
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore
    model = getattr(store, "get_model_class", None)
    if model is None:
        store.clear_expired()
        return 0
    return model().objects.filter(expire_date__lt=now).delete()[0]


def purge_audit_log(now: datetime) -> int:
    """Audit entries older than the audit log's own retention."""
    cutoff = now - timedelta(days=audit_retention_days())
    # QuerySet.delete() bypasses AuditEntry.delete(), which refuses single deletions.
    return AuditEntry.objects.filter(at__lt=cutoff).delete()[0]


def clear_old_login_attempts(now: datetime) -> int:
    """Failed (and, if ever logged, successful) sign-ins older than a day."""
    cutoff = now - LOGIN_ATTEMPTS_LIFETIME
    deleted = 0
    for label in ("axes.AccessAttempt", "axes.AccessFailureLog", "axes.AccessLog"):
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        deleted += model._default_manager.filter(attempt_time__lt=cutoff).delete()[0]
    return deleted


def delete_old_import_jobs(now: datetime) -> int:
    """Background import rows older than a day (their files went within the hour)."""
    return ImportJob.objects.filter(created_at__lt=now - IMPORT_JOB_LIFETIME).delete()[0]


def purge_unused_invitations(now: datetime) -> int:
    """Invitations never accepted, a month after they expired or were revoked."""
    cutoff = now - timedelta(days=UNUSED_INVITATION_DAYS)
    unused = Invitation.objects.filter(accepted_at__isnull=True)
    return unused.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)).delete()[0]


def abandoned_registrations(now: datetime):
    """Accounts of registrations never confirmed, or rejected, made over a month ago."""
    cutoff = now - timedelta(days=ABANDONED_REGISTRATION_DAYS)
    never_confirmed = Q(
        member_profile__status=MemberStatus.PENDING,
        member_profile__email_confirmed_at__isnull=True,
    )
    rejected = Q(member_profile__status=MemberStatus.REJECTED)
    return get_user_model()._default_manager.filter(
        never_confirmed | rejected,
        member_profile__created_at__lt=cutoff,
        is_active=False,
        is_staff=False,
        is_superuser=False,
    )


def purge_abandoned_registrations(now: datetime) -> int:
    """Erase, as a privacy erasure would (every trace, audited), abandoned registrations."""
    from .privacy_services import erase_person

    erased = 0
    for user in abandoned_registrations(now).order_by("pk"):
        erase_person(user, origin="retention")
        erased += 1
    return erased


def purge_editing_sessions(now: datetime) -> int:
    """Wagtail's "someone else is editing" markers idle for an hour."""
    model = apps.get_model("wagtailadmin.EditingSession")
    return model._default_manager.filter(last_seen_at__lt=now - EDITING_SESSION_LIFETIME).delete()[
        0
    ]


def purge_form_states(now: datetime) -> int:
    """Wagtail's unsaved forms (previews) untouched for a day."""
    model = apps.get_model("wagtailadmin.FormState")
    return model._default_manager.filter(last_updated_at__lt=now - FORM_STATE_LIFETIME).delete()[0]


def purge_erasure_log(now: datetime) -> int:
    """Erasure log entries older than every backup that could still be restored."""
    cutoff = now - timedelta(days=erasure_log_retention_days())
    return ErasureLog.objects.filter(erased_at__lt=cutoff).delete()[0]


def purge_notifications(now: datetime) -> int:
    """Digest items sent two days ago (empty markers), and those never sent after two weeks."""
    sent = Q(sent_at__lt=now - SENT_NOTIFICATION_LIFETIME)
    unsent = Q(sent_at__isnull=True, created_at__lt=now - UNSENT_NOTIFICATION_LIFETIME)
    return PendingNotification.objects.filter(sent | unsent).delete()[0]
