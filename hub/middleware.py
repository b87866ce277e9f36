import functools
from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation

Handler = Callable[[HttpRequest], HttpResponse]


class PreferredLanguageMiddleware:
    """Activate the person's chosen language, else French: never the browser's Accept-Language.

    The network works in French; a visitor whose browser says English still gets French until
    they choose otherwise (language switcher cookie, or their Wagtail profile preference).
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy: strict on the front end, relaxed for Wagtail's admin.

    The front end runs no inline script or style (scripts and styles are static files), so
    its policy has no 'unsafe-inline'. Wagtail's admin still writes inline scripts (date
    pickers, inline panels) and style attributes: under the admin's URL it gets
    settings.MAILLAGE_CSP_ADMIN. Both keep `frame-ancestors 'self'` (Wagtail's preview frames
    the page from the same origin). A view that sends its own policy keeps it.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.front = serialise_policy(settings.MAILLAGE_CSP)
        self.admin = serialise_policy(settings.MAILLAGE_CSP_ADMIN)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DEBUG and response.status_code in (404, 500):
            return response  # Django's debug pages are styled and scripted inline
        policy = self.admin if request.path.startswith(admin_prefix()) else self.front
        response.headers.setdefault("Content-Security-Policy", policy)
        return response


def serialise_policy(policy: dict[str, list[str]]) -> str:
    """{"default-src": ["'self'"], ...} -> "default-src 'self'; ..." (Django 6.0's shape)."""
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


@functools.cache
def admin_prefix() -> str:
    return reverse("wagtailadmin_home")


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response whose view did not decide its own caching.

    Nearly every page of the hub shows someone's data (names, enrolments, agendas, children's
    records, the address of an invitation), and a shared office computer or a proxy must not
    keep a copy. Views that may be kept say so themselves: the iCalendar feeds
    (`private, no-cache` with an ETag), the public Open Badges documents (`public, max-age`).
    Static files are answered by WhiteNoise, before this middleware, with their own caching.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response


class NulByteMiddleware:
    """400 for a URL holding a NUL byte (`%00`), in its path or its query string.

    No page of ours has one, and PostgreSQL refuses it in a query (a DataError, hence a 500,
    wherever a URL's text reaches the database: a verification code, a session's uid, a page's
    slug). Form fields refuse it themselves (Django's ProhibitNullCharactersValidator).
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = unquote(request.META.get("QUERY_STRING", ""))
        if "\x00" in request.path or "\x00" in query:
            raise SuspiciousOperation("A NUL byte in the URL.")
        return self.get_response(request)
