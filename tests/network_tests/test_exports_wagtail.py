"""Wagtail's built-in listing export (`?export=csv|xlsx`) is off on every admin screen of a
model holding personal data: it writes values raw, asks for no permission and writes XLSX times
in UTC. Every registered admin viewset is walked; a new one exposing it fails here."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, get_resolver, reverse
from wagtail.admin.viewsets import viewsets
from wagtail.models import Page

from network.privacy import PersonalData, registry

pytestmark = pytest.mark.django_db


def _model(viewset):
    model = getattr(viewset, "model", None)
    if isinstance(model, str):
        model = apps.get_model(model)
    return model


def _index_url(viewset) -> str | None:
    get_url_name = getattr(viewset, "get_url_name", None)
    if get_url_name is None or getattr(viewset, "index_view_class", None) is None:
        return None
    name = get_url_name("index")
    try:
        return reverse(name)
    except NoReverseMatch:
        try:  # the page explorer lists the children of a page
            return reverse(name, args=[Page.get_first_root_node().pk])
        except NoReverseMatch:
            return None


def personal_data_listings() -> list[tuple[str, str]]:
    get_resolver().url_patterns  # noqa: B018  (loading the admin's URLs registers its viewsets)
    found = []
    for viewset in viewsets.viewsets:
        model = _model(viewset)
        if model is None or not isinstance(registry.entry_for(model), PersonalData):
            continue
        url = _index_url(viewset)
        if url is not None:
            found.append((model._meta.label, url))
    return sorted(set(found))


def test_the_walk_finds_the_listings_of_personal_data(demo_data):
    labels = {label for label, _ in personal_data_listings()}
    for expected in (
        "maillage_network.MemberProfile",
        "maillage_lms.Enrolment",
        "maillage_certificates.Certificate",
        "maillage_sessions.Assignment",
        "maillage_sessions.Availability",
        "maillage_sessions.Absence",
        "maillage_groups.Participant",
        "auth.User",
    ):
        assert expected in labels


def test_no_personal_data_listing_exposes_wagtails_export(client, demo_data):
    admin = get_user_model().objects.create_superuser(
        "export-walker", "export-walker@maillage.example", "demo-maillage"
    )
    client.force_login(admin)
    exposed = []
    for label, url in personal_data_listings():
        page = client.get(url)
        assert page.status_code == 200, (label, url, page.status_code)
        html = page.content.decode()
        if "export=csv" in html or "export=xlsx" in html:
            exposed.append(f"{label}: {url} shows Wagtail's export buttons")
        for spreadsheet in ("csv", "xlsx"):
            response = client.get(url, {"export": spreadsheet})
            kind = response.get("Content-Type", "")
            if not kind.startswith("text/html") or response.has_header("Content-Disposition"):
                exposed.append(f"{label}: {url}?export={spreadsheet} answers {kind}")
    assert exposed == []
