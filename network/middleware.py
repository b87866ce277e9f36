"""Session lifetime and the second factor, checked on every request after URL resolution.

- SessionLifetimeMiddleware ends a session idle for longer than its limit (shorter for staff
  roles) or older than the absolute lifetime, and sends the person to the sign-in page with a
  message; a script asking for JSON gets a 401 in JSON instead of a redirect to an HTML page.
  A poll (a GET asking for JSON, such as a progress bar's) or Wagtail's editing-session ping
  is not activity: a page left open must not keep a session alive forever.
- SecondFactorMiddleware: while a second factor is due, every page but the code and
  enrolment pages, sign-out and the language switch leads to the code page (or to enrolment
  for a person who must use one and has none yet). When enforced (production), the admin and
  the facilitator space need a verified session whatever the role.

Both come after AuthenticationMiddleware, OTPMiddleware and MessageMiddleware.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import second_factor, sign_in

# Update the "last seen" time at most this often: one session write a minute, not one a request.
TOUCH_SECONDS = 60
# Requests that are not the person doing something.
HEARTBEAT_VIEWS = frozenset({"wagtailadmin_editing_sessions:ping"})
# Signing out after the idle time still signs out everywhere (the session is not ended first).
LOGOUT_VIEWS = frozenset({"logout", "wagtailadmin_logout"})
# Reachable while a second factor is due.
SECOND_FACTOR_EXEMPT_VIEWS = frozenset(
    {
        "network:second_factor_verify",
        "network:second_factor_setup",
        *LOGOUT_VIEWS,
        "set_language",
    }
)


def wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("accept", "")
    return accept.startswith("application/json") or (
        request.headers.get("x-requested-with") == "XMLHttpRequest" and "text/html" not in accept
    )


def _admin_path(path: str) -> bool:
    return path.startswith(reverse("wagtailadmin_home"))


def _login_urls() -> tuple[str, ...]:
    return (resolve_url(settings.LOGIN_URL), reverse("wagtailadmin_login"))


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else ""


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if wants_json(request) and response.status_code == 302:
            # A script polling after its session ended: a status it can read, not a page.
            location = response.get("Location", "")
            if location.startswith(_login_urls()):
                return JsonResponse({"error": "signed_out", "login_url": location}, status=401)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        session = request.session
        if SESSION_KEY not in session or _view_name(request) in LOGOUT_VIEWS:
            return None
        moment = sign_in.now()
        signed_in_at = session.get(sign_in.SIGNED_IN_AT)
        if signed_in_at is None:
            # A session from before these rules: they apply from now on.
            sign_in.start(session, request.user)
            return None
        seen_at = session.get(sign_in.SEEN_AT, signed_in_at)
        idle = sign_in.idle_seconds(session.get(sign_in.STAFF, True))
        max_age = sign_in.max_age_seconds()
        if (max_age and moment - signed_in_at > max_age) or (idle and moment - seen_at > idle):
            return self.expire(request)
        if moment - seen_at >= TOUCH_SECONDS and not self.heartbeat(request):
            session[sign_in.SEEN_AT] = moment
        return None

    @staticmethod
    def heartbeat(request: HttpRequest) -> bool:
        if _view_name(request) in HEARTBEAT_VIEWS:
            return True
        return request.method in ("GET", "HEAD") and wants_json(request)

    @staticmethod
    def expire(request: HttpRequest) -> HttpResponse:
        """End this session only (the person's other devices keep theirs)."""
        path = request.get_full_path()
        request.session.flush()
        request.user = AnonymousUser()
        login_url = reverse("wagtailadmin_login") if _admin_path(path) else settings.LOGIN_URL
        if wants_json(request):
            return JsonResponse(
                {"error": "session_expired", "login_url": resolve_url(login_url)}, status=401
            )
        messages.info(request, _("Your session has expired: please sign in again."))
        return redirect_to_login(path, login_url)


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        session = request.session
        if SESSION_KEY not in session:
            return None
        state = session.get(sign_in.SECOND_FACTOR, "")
        enforced = second_factor.enforced()
        if not state and not enforced:
            return None  # the usual case in development: no query at all
        path = request.path_info
        if _view_name(request) in SECOND_FACTOR_EXEMPT_VIEWS or path.startswith(
            (settings.STATIC_URL, settings.MEDIA_URL)
        ):
            return None
        user = request.user
        if not user.is_authenticated or second_factor.is_verified(user):
            return None
        if state == sign_in.HAS_DEVICE:
            step = "network:second_factor_verify"
        elif enforced and (state == sign_in.REQUIRED or self.protected(path)):
            step = (
                "network:second_factor_verify"
                if second_factor.has_device(user)
                else "network:second_factor_setup"
            )
        else:
            return None
        url = f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}"
        if wants_json(request):
            return JsonResponse({"error": "second_factor_required", "url": url}, status=401)
        return HttpResponseRedirect(url)

    @staticmethod
    def protected(path: str) -> bool:
        return path.startswith(tuple(getattr(settings, "MAILLAGE_OTP_PROTECTED_PATHS", ())))
