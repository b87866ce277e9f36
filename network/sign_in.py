"""Sign-in sessions: what a session remembers at sign-in, when it ends, and ending them all.

At sign-in the session records when it began, when it was last used, whether the person holds
a staff role (shorter idle limit; the limits are read from the settings on each request) and
whether a second factor is due; network.middleware reads these on every request, without a
query. Signing out, or a user made inactive, ends every session of that person.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save

from . import roles, second_factor

SIGNED_IN_AT = "maillage_signed_in_at"
SEEN_AT = "maillage_seen_at"
STAFF = "maillage_staff"
SECOND_FACTOR = "maillage_second_factor"
# Values of SECOND_FACTOR: the person has a device (a code is asked on every page until
# given), or a role requires one (enrol first); empty: nothing due.
HAS_DEVICE = "device"
REQUIRED = "required"


def now() -> int:
    return int(time.time())


def is_staff(user) -> bool:
    """Staff roles get the short idle timeout: any role beyond the plain professional."""
    if user.is_superuser or user.is_staff:
        return True
    keys = set(getattr(settings, "MAILLAGE_SESSION_STAFF_ROLES", ()))
    names = [role.name for role in roles.ROLES if role.key in keys]
    return user.groups.filter(name__in=names).exists()


def idle_seconds(staff: bool) -> int:
    """How long a session may stay unused (0: no limit)."""
    minutes = (
        settings.MAILLAGE_SESSION_IDLE_MINUTES_STAFF
        if staff
        else settings.MAILLAGE_SESSION_IDLE_MINUTES
    )
    return int(minutes or 0) * 60


def max_age_seconds() -> int:
    """How long a session may last after sign-in (0: no limit but SESSION_COOKIE_AGE)."""
    return int(settings.MAILLAGE_SESSION_MAX_HOURS or 0) * 3600


def second_factor_state(user) -> str:
    if second_factor.has_device(user):
        return HAS_DEVICE
    if second_factor.required_for(user):
        return REQUIRED
    return ""


def start(session, user) -> None:
    """Record the sign-in in the session (also for a session from before this code ran)."""
    moment = now()
    session[SIGNED_IN_AT] = moment
    session[SEEN_AT] = moment
    session[STAFF] = is_staff(user)
    session[SECOND_FACTOR] = second_factor_state(user)


def _on_login(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        start(session, user)


def _on_logout(sender, request, user, **kwargs) -> None:
    """Signing out signs the person out everywhere (the office computer and the phone)."""
    if user is not None and user.pk is not None:
        from .services import end_sessions

        end_sessions(user)


def _on_user_saved(sender, instance, created, **kwargs) -> None:
    """A user made inactive, however (deactivation, the admin's user form), is signed out."""
    if not created and not instance.is_active:
        from .services import end_sessions

        end_sessions(instance)


def connect() -> None:
    user_logged_in.connect(_on_login, dispatch_uid="maillage_sign_in_start")
    user_logged_out.connect(_on_logout, dispatch_uid="maillage_sign_out_everywhere")
    post_save.connect(
        _on_user_saved, sender=get_user_model(), dispatch_uid="maillage_inactive_signed_out"
    )
