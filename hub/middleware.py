from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
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
    """Send `frame-ancestors` (DESIGN: Wagtail's preview needs same-origin framing)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.policy = f"frame-ancestors {settings.CONTENT_SECURITY_POLICY_FRAME_ANCESTORS}"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
