"""Signing in: the username-or-e-mail backend and the throttling of failed attempts."""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


class UsernameOrEmailBackend(ModelBackend):
    """Sign in with the username or the e-mail address (compared case-insensitively)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and "@" in username:
            user_model = get_user_model()
            matches = list(user_model._default_manager.filter(email__iexact=username.strip())[:2])
            if len(matches) != 1:
                # Unknown or ambiguous address: run the hasher anyway to keep timing even.
                user_model().set_password(password)
                return None
            user = matches[0]
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def normalised_username(request, credentials) -> str:
    """django-axes counts failures per name typed, whatever its case or spaces."""
    return (credentials or {}).get("username", "").strip().lower()


def client_address(request: HttpRequest) -> str:
    """The visitor's address. Behind N trusted proxies (MAILLAGE_PROXY_COUNT), the N-th
    address from the right of X-Forwarded-For, which the nearest proxy appended: without it
    every visitor would share the proxy's address, and one lockout would lock everyone."""
    proxies = getattr(settings, "MAILLAGE_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class LoginThrottleHandler(AxesDatabaseHandler):
    """django-axes' count per name and address (AXES_FAILURE_LIMIT), plus one per address
    across every name (MAILLAGE_LOGIN_FAILURES_PER_ADDRESS), against trying one password on
    many accounts. A success resets the name's count only, never the address's."""

    def address_failures(self, request: HttpRequest) -> int:
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return 0
        recent = AccessAttempt.objects.filter(
            ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
        )
        return recent.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def address_locked(self, request: HttpRequest) -> bool:
        limit = getattr(settings, "MAILLAGE_LOGIN_FAILURES_PER_ADDRESS", 0)
        return bool(limit) and self.address_failures(request) >= limit

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self.address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self.is_whitelisted(request, credentials) or not self.address_locked(request):
            return
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send(
            "axes",
            request=request,
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        )


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """The "too many attempts" page (JSON for a script), saying for how long."""
    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else 0
    status = getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)
    if request.headers.get("x-requested-with") == "XMLHttpRequest" or request.headers.get(
        "accept", ""
    ).startswith("application/json"):
        return JsonResponse({"error": "locked_out", "minutes": minutes}, status=status)
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, {"minutes": minutes}, status=status)
