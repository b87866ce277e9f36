"""The second factor (TOTP, django-otp): who must use it, enrolment, verification, backup codes
and reset. Typed, no request: the views in second_factor_views.py mark the session.

A person enrols an authenticator app (a TOTP device, confirmed by a first code) and receives ten
single-use backup codes (a static device) shown once. Production requires it for the roles of
MAILLAGE_OTP_REQUIRED_ROLES (those who see children's records); anyone else may enrol.
"""

from __future__ import annotations

import base64
import re

import segno
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, roles
from .exceptions import NetworkError, NotAllowed
from .models import MemberProfile
from .permissions import can

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "app"
BACKUP_DEVICE_NAME = "backup"
_TOTP_CODE = re.compile(r"^\d{6}$")


def enforced() -> bool:
    """Is the second factor required of the roles that see participant data (production)?"""
    return bool(getattr(settings, "MAILLAGE_OTP_ENFORCED", False))


def required_role_names() -> frozenset[str]:
    keys = set(getattr(settings, "MAILLAGE_OTP_REQUIRED_ROLES", ()))
    return frozenset(role.name for role in roles.ROLES if role.key in keys)


def required_for(user: User) -> bool:
    """Must this person use a second factor on every page (when enforced)? Superusers, and
    whoever holds a role of MAILLAGE_OTP_REQUIRED_ROLES or may open the admin."""
    if not enforced() or not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    if user.groups.filter(name__in=required_role_names()).exists():
        return True
    return user.has_perm("wagtailadmin.access_admin")


def is_verified(user: User) -> bool:
    """Has this request's user passed the second factor (OTPMiddleware sets `otp_device`)?"""
    return getattr(user, "otp_device", None) is not None


def has_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def pending_device(user: User) -> TOTPDevice:
    """The device being enrolled: the same key until confirmed, so a reload shows the same
    QR code as the one already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key in base 32, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice, title: str) -> str:
    """The otpauth:// URL as an inline SVG (drawn here: nothing leaves the server)."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=4, light="#fff", title=title)


def normalise(code: str) -> str:
    return re.sub(r"[\s-]+", "", code or "").lower()


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def confirm_device(user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the enrolled app with its first code; it replaces any earlier app, and new
    backup codes replace the old ones. The codes are returned to be shown once, or None when
    the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if not _TOTP_CODE.match(normalise(code)) or not device.verify_token(normalise(code)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_backup_codes(user)
    audit.record("second_factor.enrolled", user, actor=user)
    return codes


@transaction.atomic
def new_backup_codes(user: User) -> list[str]:
    """Replace the backup codes (the old ones stop working)."""
    if not has_device(user):
        raise NetworkError()
    codes = _new_backup_codes(user)
    audit.record("second_factor.new_backup_codes", user, actor=user)
    return codes


def verify(user: User, code: str) -> Device | None:
    """The device that accepts `code` (the app's six digits, or a backup code, used up), else
    None. Each device slows down guessing itself (django-otp's throttling)."""
    code = normalise(code)
    if not code or len(code) > 16:
        return None
    model = TOTPDevice if _TOTP_CODE.match(code) else StaticDevice
    for device in model.objects.filter(user=user, confirmed=True):
        accepted = verify_token(user, device.persistent_id, code)
        if accepted is not None:
            return accepted
    return None


def wait_seconds(user: User) -> int:
    """How long the person must wait before the next try after wrong codes (0: none)."""
    from django.utils import timezone

    longest = 0
    for device in (
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ):
        allowed, details = device.verify_is_allowed()
        if not allowed and details and details.get("locked_until"):
            remaining = (details["locked_until"] - timezone.now()).total_seconds()
            longest = max(longest, int(remaining) + 1)
    return longest


def _delete_devices(user: User) -> int:
    deleted = TOTPDevice.objects.filter(user=user).delete()[0]
    return deleted + StaticDevice.objects.filter(user=user).delete()[0]


@transaction.atomic
def turn_off(user: User) -> None:
    """The person removes their own second factor, when no role requires it."""
    if required_for(user):
        raise NotAllowed(_("Your role requires a second factor: it cannot be turned off."))
    _delete_devices(user)
    audit.record("second_factor.removed", user, actor=user)


@transaction.atomic
def reset_for_member(actor: User, profile: MemberProfile) -> None:
    """A coordinator (or the network coordination) resets a member's lost device: the member
    is signed out everywhere and enrols again at their next sign-in."""
    if not can(actor, "change", profile) or profile.user_id == actor.pk:
        raise NotAllowed()
    reset(profile.user, actor=actor)


def reset(user: User, *, actor: User | None = None, origin: str = "admin") -> None:
    """Delete every device of `user`, end their sessions and make their password unusable
    (also `reset_second_factor`): whoever asked for the reset of a "lost phone" may hold only
    the password, so setting up a new app first takes the "forgotten password" link sent to
    the person's mailbox."""
    from .services import end_sessions

    _delete_devices(user)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    end_sessions(user)
    audit.record("second_factor.reset", user, actor=actor, origin=origin)
