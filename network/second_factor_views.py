"""The second factor's pages: the code after the password, enrolment, backup codes shown once,
and the person's own settings. network.middleware sends people here; the writes are in
network.second_factor."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from . import second_factor, sign_in
from .exceptions import NetworkError
from .forms import SecondFactorCodeForm
from .services import end_sessions

CODES_SESSION_KEY = "maillage_backup_codes"


def _person(request: HttpRequest) -> User:
    """The signed-in person (every view here requires one)."""
    return cast(User, request.user)


def _next_url(request: HttpRequest, default: str = "dashboard") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: redirect() would take any other word for a URL name (a 500).
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _mark_verified(request: HttpRequest, device) -> None:
    """The session has passed the second factor: a new session key for the higher privilege."""
    request.session.cycle_key()
    otp_login(request, device)
    request.session[sign_in.SECOND_FACTOR] = sign_in.HAS_DEVICE


@never_cache
@sensitive_post_parameters("code")
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The code after the password (or a backup code)."""
    user = _person(request)
    next_url = _next_url(request)
    if second_factor.is_verified(user):
        return redirect(next_url)
    if not second_factor.has_device(user):
        # Removed meanwhile (from another session, or reset): enrol if a role requires it.
        request.session[sign_in.SECOND_FACTOR] = sign_in.second_factor_state(user)
        if second_factor.required_for(user):
            return redirect(_with_next("network:second_factor_setup", next_url))
        return redirect(next_url)
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor.verify(user, form.cleaned_data["code"])
        if device is not None:
            _mark_verified(request, device)
            if isinstance(device, StaticDevice):
                left = second_factor.backup_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a backup code: %(count)s is left. Make new ones from your "
                        "account.",
                        "You used a backup code: %(count)s are left. Make new ones from your "
                        "account when few are left.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(next_url)
        wait = second_factor.wait_seconds(user)
        if wait:
            form.add_error(
                "code",
                ngettext(
                    "Too many wrong codes: wait %(seconds)s second, then type the code shown now.",
                    "Too many wrong codes: wait %(seconds)s seconds, then type the code shown now.",
                    wait,
                )
                % {"seconds": wait},
            )
        else:
            form.add_error(
                "code",
                _(
                    "This code is not valid. Type the code your app shows now (check the time "
                    "of your phone), or an unused backup code."
                ),
            )
    return render(
        request, "network/second_factor/verify.html", {"form": form, "next_url": next_url}
    )


@never_cache
@sensitive_post_parameters("code")
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: QR code and key, confirmed by a first code."""
    user = _person(request)
    next_url = _next_url(request)
    if second_factor.has_device(user) and not second_factor.is_verified(user):
        # Replacing a device needs the current one: a stolen password alone must not do it.
        return redirect(_with_next("network:second_factor_verify", request.get_full_path()))
    device = second_factor.pending_device(user)
    form = SecondFactorCodeForm(request.POST or None, backup=False)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.confirm_device(user, device, form.cleaned_data["code"])
        if codes is None:
            form.add_error(
                "code",
                _(
                    "This code is not valid. Check that the time of your phone is right, "
                    "then type the code shown now."
                ),
            )
        else:
            device.refresh_from_db()
            _mark_verified(request, device)
            # Sessions opened before, elsewhere, did not pass the new factor: they end.
            end_sessions(user, keep=request.session.session_key)
            request.session[CODES_SESSION_KEY] = codes
            messages.success(request, _("The second factor is on."))
            return redirect(_with_next("network:second_factor_codes", next_url))
    return render(
        request,
        "network/second_factor/setup.html",
        {
            "form": form,
            "next_url": next_url,
            "qr_code": second_factor.qr_code_svg(device, _("QR code to scan with your app")),
            "secret": second_factor.secret_text(device),
            "required": second_factor.required_for(user),
            "replacing": second_factor.has_device(user),
        },
    )


@never_cache
@login_required
def codes(request: HttpRequest) -> HttpResponse:
    """The new backup codes, shown once: reloading the page does not show them again."""
    new_codes = request.session.pop(CODES_SESSION_KEY, None)
    if not new_codes:
        return redirect("network:second_factor")
    return render(
        request,
        "network/second_factor/codes.html",
        {"codes": new_codes, "next_url": _next_url(request, "network:second_factor")},
    )


@never_cache
@login_required
def manage(request: HttpRequest) -> HttpResponse:
    """ "Two-step sign-in" on the account: status, new backup codes, turning it off."""
    user = _person(request)
    enrolled = second_factor.has_device(user)
    if request.method == "POST":
        if enrolled and not second_factor.is_verified(user):
            return redirect(_with_next("network:second_factor_verify", request.path))
        action = request.POST.get("action")
        try:
            if action == "new_codes":
                request.session[CODES_SESSION_KEY] = second_factor.new_backup_codes(user)
                return redirect("network:second_factor_codes")
            if action == "turn_off" and enrolled:
                second_factor.turn_off(user)
                request.session[sign_in.SECOND_FACTOR] = ""
                messages.success(request, _("The second factor is off."))
        except NetworkError as error:
            messages.error(request, error.message)
        return redirect("network:second_factor")
    return render(
        request,
        "network/second_factor/manage.html",
        {
            "enrolled": enrolled,
            "required": second_factor.required_for(user),
            "codes_left": second_factor.backup_codes_left(user) if enrolled else 0,
        },
    )
