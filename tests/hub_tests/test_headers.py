"""Security headers: the Content-Security-Policy (strict on the front end, relaxed for Wagtail's
admin, same-origin framing for the preview), nosniff, the referrer policy, HSTS; and no inline
script or style in our front-end templates (hub.middleware, README "Security headers")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse
from wagtail.test.utils.form_data import querydict_from_html

from hub.middleware import ContentSecurityPolicyMiddleware, NoStoreMiddleware

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


@pytest.mark.parametrize(
    ("username", "paths"),
    [
        (None, ["/", "/formations/", "/connexion/", "/attestations/verifier/"]),
        ("professionnelle", ["/", "/mon-parcours/", "/mon-agenda/"]),
        ("animateur", ["/mes-groupes/"]),
    ],
)
def test_front_end_pages_get_a_policy_without_unsafe_inline(client, demo_data, username, paths):
    if username:
        client.login(username=username, password="demo-maillage")
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = directives(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'self'"]
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        # The verification page sends its own, stricter referrer policy (the code is a secret).
        assert response["Referrer-Policy"] == "same-origin"


def test_the_admin_gets_its_own_policy(client, demo_data):
    client.login(username="coordination", password="demo-maillage")
    response = client.get("/admin/")
    policy = directives(response)
    # Wagtail's admin still writes inline scripts (date pickers, inline panels).
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    # No avatar from gravatar.com: an admin page names no third-party image host.
    assert "gravatar" not in response.content.decode()


def test_wagtail_preview_is_framed_from_the_same_origin(client, demo_data):
    """The preview panel loads the page in an iframe: both X-Frame-Options and the policy's
    frame-ancestors must allow the admin's own origin."""
    from hub.models import ContentPage

    page = ContentPage.objects.live().first()
    client.login(username="coordination", password="demo-maillage")
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    data = querydict_from_html(edit.content.decode(), form_id="page-edit-form").copy()
    data["title"] = "Aperçu de la page"
    data["body-count"] = "0"  # the StreamField's own inputs are written by its script
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk])
    stored = client.post(url, data)
    assert stored.json() == {"is_valid": True, "is_available": True}

    preview = client.get(url, {"in_preview_panel": "true"})
    assert preview.status_code == 200
    assert "Aperçu de la page" in preview.content.decode()
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert directives(preview)["frame-ancestors"] == ["'self'"]
    assert "no-store" in preview["Cache-Control"]


def test_a_view_that_sends_its_own_policy_keeps_it():
    def view(request):
        response = HttpResponse("embed")
        response["Content-Security-Policy"] = "frame-ancestors *"
        return response

    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/"))
    assert response["Content-Security-Policy"] == "frame-ancestors *"


@override_settings(DEBUG=True)
def test_django_debug_error_pages_keep_their_inline_styles():
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse(status=500))
    assert "Content-Security-Policy" not in middleware(RequestFactory().get("/"))


@override_settings(
    SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True
)
def test_hsts_is_sent_over_https(client, demo_data):
    """Production sets these (tests/hub_tests/test_deploy_check.py checks that it does)."""
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in client.get("/")


# --- no inline code in our front-end templates ------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=[\"']", re.I)
HANDLER = re.compile(r"\son[a-z]+=[\"']", re.I)


def front_end_templates() -> list[Path]:
    """templates/ and every app's templates, except the admin's (under an admin/ folder)."""
    found = []
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        if ".venv" in folder.parts or "var" in folder.parts:
            continue
        found += [p for p in folder.rglob("*.html") if "admin" not in p.relative_to(folder).parts]
    return sorted(found)


def inline_code(html: str) -> list[str]:
    return [
        m.group(0)
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, HANDLER)
        for m in pattern.finditer(html)
    ]


def test_front_end_templates_have_no_inline_script_style_or_handler():
    templates = front_end_templates()
    assert len(templates) > 50
    offending = {
        str(path.relative_to(ROOT)): found
        for path in templates
        if (found := inline_code(path.read_text()))
    }
    assert offending == {}


def test_the_check_finds_inline_code():
    assert inline_code('<p style="color: red" onclick="x()">') == [' style="', ' onclick="']
    assert inline_code("<script>alert(1)</script>") == ["<script>"]
    assert inline_code('<script src="/static/a.js" defer></script>') == []
    assert inline_code('<script type="application/json" id="x">{}</script>') == []


@pytest.mark.parametrize(
    ("username", "paths"),
    [
        (None, ["/", "/formations/", "/connexion/", "/inscription/", "/groupes-de-parole/"]),
        ("professionnelle", ["/mon-parcours/", "/mon-agenda/", "/mon-compte/"]),
        ("animateur", ["/mes-groupes/", "/mes-groupes/disponibilites/"]),
        # The network coordination sees Wagtail's user bar on the site's pages.
        ("coordination", ["/", "/formations/"]),
    ],
)
def test_rendered_front_end_pages_have_no_inline_code(client, demo_data, username, paths):
    """What the templates include (form widgets, Wagtail's user bar) is checked as rendered."""
    if username:
        client.login(username=username, password="demo-maillage")
    for path in paths:
        html = client.get(path).content.decode()
        # Wagtail's user bar keeps its markup in an inert <template> until its script runs.
        assert inline_code(html) == [], path


def test_error_pages_have_no_inline_code():
    for name in ("400.html", "403_csrf.html", "500.html"):
        assert inline_code((ROOT / "templates" / name).read_text()) == [], name


# --- caching ---------------------------------------------------------------------------------


def test_a_response_without_its_own_caching_is_not_stored():
    response = NoStoreMiddleware(lambda request: HttpResponse("x"))(RequestFactory().get("/"))
    assert response["Cache-Control"] == "no-store"


def test_a_view_that_decides_its_own_caching_keeps_it():
    def feed(request):
        response = HttpResponse("BEGIN:VCALENDAR")
        response["Cache-Control"] = "private, no-cache"
        return response

    response = NoStoreMiddleware(feed)(RequestFactory().get("/"))
    assert response["Cache-Control"] == "private, no-cache"


def _as(client, username):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    return client


def _personal_data_urls():
    """(who, method, URL) of representative pages and files with personal data, every app."""
    from certificates.models import Certificate
    from lms.models import CourseRun
    from sessions.models import Session

    certificate = (
        Certificate.objects.filter(holder__username="professionnelle", scan="")
        .exclude(credential="")
        .first()
    )
    run = CourseRun.objects.order_by("pk").first()
    session = Session.objects.order_by("pk").first()
    someone = certificate.holder_id
    coordination = "coordination"
    return [
        ("professionnelle", "get", reverse("dashboard")),
        ("professionnelle", "get", reverse("network:profile")),
        ("professionnelle", "get", reverse("sessions:agenda")),
        ("professionnelle", "get", reverse("certificates:pdf", args=[certificate.pk])),
        ("professionnelle", "get", reverse("certificates:badge", args=[certificate.pk])),
        ("referente", "get", reverse("lms:requests")),
        ("animateur", "get", reverse("groups:mine")),
        ("animateur", "get", reverse("groups:availability")),
        (coordination, "get", reverse("wagtailadmin_home")),
        (coordination, "get", reverse("network_members:index")),
        (coordination, "get", reverse("network_members:export") + "?format=csv"),
        (coordination, "get", reverse("network_members:export") + "?format=xlsx"),
        (coordination, "get", reverse("lms_runs:inspect", args=[run.pk])),
        (coordination, "get", reverse("sessions_sessions:inspect", args=[session.pk])),
        (coordination, "get", reverse("certificates_registry:export")),
        (coordination, "get", reverse("groups_roster:export")),
        (coordination, "get", reverse("network_import:upload", args=["members"])),
        (coordination, "get", reverse("network_privacy_index")),
        (coordination, "post", reverse("network_privacy_export", args=[someone])),
        ("coord-esneux", "get", reverse("groups_participants:index")),
    ]


def test_pages_and_files_with_personal_data_are_never_stored(client, demo_data):
    """Every app's signed-in pages and files (the hostile-input crawl checks every page it
    visits the same way: tests/hub_tests/hostile.py, caching_problem)."""
    for username, method, url in _personal_data_urls():
        response = getattr(_as(client, username), method)(url)
        assert response.status_code == 200, (username, url, response.status_code)
        assert "no-store" in response["Cache-Control"], (username, url)


def test_the_agenda_feeds_are_private_and_revalidated_with_an_etag(client, demo_data):
    """A calendar app refetches the feed: `private, no-cache` and an ETag (a 304 when equal)."""
    from sessions import tokens
    from sessions.models import Session

    person = _as(client, "animateur")
    agenda = person.get(reverse("sessions:agenda"))
    subscription = tokens.subscription_for(agenda.wsgi_request.user)
    feed_url = reverse("sessions:personal_feed", args=[tokens.token_for(subscription)])
    session = Session.objects.select_related("series").order_by("pk").first()
    coordinator = _as(client.__class__(), "coordination")
    for who, url in [
        (client.__class__(), feed_url),  # the token is the credential: no sign-in
        (coordinator, reverse("sessions:series_feed", args=[session.series.uid])),
        (coordinator, reverse("sessions:session_ics", args=[session.uid])),
    ]:
        response = who.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-cache", url
        again = who.get(url, headers={"if-none-match": response["ETag"]})
        assert again.status_code == 304, url


def test_public_pages_decide_their_own_caching(client, demo_data):
    from certificates.models import Certificate

    # The verification page names the holder: not stored, even for an anonymous visitor.
    code = Certificate.objects.exclude(code="").values_list("code", flat=True).first()
    verification = client.get(reverse("certificates:verify", args=[code]))
    assert verification.status_code == 200
    assert verification["Cache-Control"] == "no-store"
    # The issuer's Open Badges profile is public and the same for everyone.
    issuer = client.get(reverse("certificates:issuer"))
    assert "public" in issuer["Cache-Control"] and "max-age" in issuer["Cache-Control"]
    # Everything else, even a public page, is not stored unless its view says otherwise.
    assert client.get("/")["Cache-Control"] == "no-store"
