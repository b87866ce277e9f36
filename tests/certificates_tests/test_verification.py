"""The public verification page: what a certificate is today, in French, with the holder's name
and nothing else about them; revoking keeps the record; lookups are rate-limited."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import formats, translation

from certificates import exceptions, services
from certificates.models import Certificate, CertificateStatus
from network import permissions
from network.privacy_services import erase_person

from .factories import user
from .support import issue_one, newcomers

pytestmark = pytest.mark.django_db
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def french(day: dt.date) -> str:
    with translation.override("fr"):
        return formats.date_format(day, "j F Y")


def page(client, certificate_or_code, status=200) -> tuple[str, object]:
    code = getattr(certificate_or_code, "code", certificate_or_code)
    response = client.get(f"/attestations/verifier/{code}/")
    assert response.status_code == status
    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"]
    # The code leaks to no other site, and the page's own forms keep working (with
    # "no-referrer", browsers post them with `Origin: null`, which CSRF refuses).
    assert response["Referrer-Policy"] == "same-origin"
    html = response.content.decode()
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split()), html


def verdict(html: str) -> str:
    found = BeautifulSoup(html, "html.parser").select_one(".verdict")
    return " ".join(found.get_text(" ").split())


def assert_no_personal_data(html: str, holder, *, name_shown: bool) -> None:
    """Nothing about the holder but (when allowed) their name."""
    lowered = html.lower()
    secrets = [holder.email, holder.email.split("@")[0], holder.get_username()]
    profile = getattr(holder, "member_profile", None)
    if profile is not None:
        secrets += [getattr(profile, "phone", "") or ""]
    for secret in filter(None, secrets):
        assert secret.lower() not in lowered, secret
    assert "@" not in BeautifulSoup(html, "html.parser").select_one("main").get_text()
    assert (holder.get_full_name() in html) is name_shown


@pytest.fixture
def issued(demo_data, committed):
    return issue_one(committed, months=12)


def test_a_valid_certificate_says_valid_with_the_holder_name_only(client, issued):
    certificate = issued.certificate
    text, html = page(client, certificate)

    assert verdict(html) == f"Valide — valable jusqu'au {french(certificate.valid_until)}."
    assert "Vérification d'une attestation" in text
    assert issued.holder.get_full_name() in text and issued.module.title in text
    assert certificate.serial in text
    assert f"Délivrée le {french(certificate.issued_at.astimezone(BRUSSELS).date())}" in text
    assert_no_personal_data(html, issued.holder, name_shown=True)


def test_an_expired_certificate_says_expired_with_its_date(client, issued):
    certificate = issued.certificate
    until = certificate.valid_until
    with time_machine.travel(dt.datetime.combine(until, dt.time(12), BRUSSELS), tick=False):
        _text, html = page(client, certificate)
        assert verdict(html).startswith("Valide")  # still valid on its last day
    day_after = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(8), BRUSSELS)
    with time_machine.travel(day_after, tick=False):
        _text, html = page(client, certificate)
    # Valid until its last day included: expired from the next.
    assert verdict(html) == f"Expirée — expirée le {french(until + dt.timedelta(days=1))}."
    assert_no_personal_data(html, issued.holder, name_shown=True)


def test_a_revoked_certificate_says_when_and_why_and_is_never_deleted(client, issued):
    certificate = issued.certificate
    coordinator = user("coordination")
    with pytest.raises(exceptions.ReasonRequired):
        services.revoke(certificate, actor=coordinator, reason=" ")
    # A reason typed with its own full stop is not followed by a second one.
    services.revoke(certificate, actor=coordinator, reason="Présence encodée par erreur.")

    _text, html = page(client, certificate)
    today = french(certificate.revoked_at.astimezone(BRUSSELS).date())
    assert verdict(html) == (
        f"Révoquée — révoquée le {today} pour le motif suivant : Présence encodée par erreur."
    )
    assert_no_personal_data(html, issued.holder, name_shown=True)
    # The record stays, revoked; nobody may delete it, not even the network coordination.
    stored = Certificate.objects.get(pk=certificate.pk)
    assert stored.status == CertificateStatus.REVOKED and stored.revoked_by == coordinator
    assert not permissions.visible(coordinator, Certificate, "delete").exists()
    with pytest.raises(exceptions.AlreadyRevoked):
        services.revoke(certificate, actor=coordinator, reason="Encore")
    with pytest.raises(exceptions.AlreadyRevoked):
        services.reissue(stored, actor=coordinator)


def test_an_anonymised_certificate_says_the_holder_data_was_erased(client, issued):
    holder = issued.holder
    erase_person(holder)

    _text, html = page(client, issued.certificate)
    assert "Valide" in verdict(html)
    note = BeautifulSoup(html, "html.parser").select_one(".anonymised-note").get_text()
    assert "les données de son·sa titulaire ont été effacées à sa demande" in note
    assert "Titulaire" not in html
    assert_no_personal_data(html, holder, name_shown=False)
    for part in (holder.first_name, holder.last_name):
        assert part not in html


def test_an_external_certificate_says_it_was_recorded_and_who_issued_it(client, demo_data):
    (holder,) = newcomers(1)
    external = services.record_external(
        holder=holder,
        module=None,
        title="Violences conjugales : repérage",
        issuer_name="Centre de prévention de Liège",
        issued_on=dt.date(2025, 3, 14),
        hours=Decimal("12"),
        reference="CPL-2025-0042",
        actor=user("coordination"),
    )

    text, html = page(client, external)
    assert verdict(html) == "Valide — sans date d'expiration."
    assert "Attestation externe enregistrée, émise par Centre de prévention de Liège." in text
    assert "Émise par Centre de prévention de Liège" in text
    assert "Date de l'attestation 14 mars 2025" in text and "CPL-2025-0042" in text
    assert "Open Badge" not in text  # not ours, not signed
    assert_no_personal_data(html, holder, name_shown=True)


def test_a_replaced_certificate_says_so_and_links_its_successor(client, issued, committed):
    with committed():
        new = services.reissue(issued.certificate, actor=user("coordination"))
    _text, html = page(client, issued.certificate)
    assert verdict(html) == "Remplacée — cette attestation a été remplacée par une plus récente."
    links = {a["href"] for a in BeautifulSoup(html, "html.parser").find_all("a")}
    assert new.get_verification_path() in links
    _text, new_html = page(client, new)
    assert issued.certificate.get_verification_path() in new_html
    assert_no_personal_data(html, issued.holder, name_shown=True)


def test_an_unknown_code_answers_404_with_its_own_words(client, issued):
    text, html = page(client, "AAAAAAAAAAAAAAAAAAAAAAAA", status=404)
    assert verdict(html) == "Inconnue — aucune attestation ne porte ce code."
    assert "Valide" not in verdict(html)
    assert issued.holder.get_full_name() not in html


def test_lookups_are_limited_per_address(client, issued):
    with override_settings(MAILLAGE_VERIFY_RATE=(3, 600)):
        cache.clear()
        try:
            for _number in range(2):
                assert client.get(issued.certificate.get_verification_path()).status_code == 200
            assert client.get("/attestations/verifier/BBBBBBBBBBBBBBBBBBBBBBBB/").status_code == 404
            refused = client.get(issued.certificate.get_verification_path())
            assert refused.status_code == 429
            assert "Trop de vérifications" in refused.content.decode()
            assert issued.holder.get_full_name() not in refused.content.decode()
            assert int(refused["Retry-After"]) == 600
            # Another address is not held back.
            other = client.get(issued.certificate.get_verification_path(), REMOTE_ADDR="192.0.2.7")
            assert other.status_code == 200
        finally:
            cache.clear()


def test_the_form_takes_a_code_or_a_pasted_link_and_explains_garbage_in_french(client, issued):
    code = issued.certificate.code
    target = reverse("certificates:verify", args=[code])
    form = client.get("/attestations/verifier/")
    assert form.status_code == 200 and "Vérifier une attestation" in form.content.decode()

    assert client.post("/attestations/verifier/", {"code": f"  {code} "}).url == target
    pasted = f"http://127.0.0.1:8000/attestations/verifier/{code}/?utm=mail"
    assert client.post("/attestations/verifier/", {"code": pasted}).url == target
    assert client.get("/attestations/verifier/", {"code": code}).url == target

    for garbage in ("bonjour !", "<script>alert(1)</script>", "https://example.org/"):
        response = client.post("/attestations/verifier/", {"code": garbage})
        assert response.status_code == 200
        errors = BeautifulSoup(response.content, "html.parser").select(".error")
        assert [e.get_text() for e in errors] == [
            "Ce n'est pas un code de vérification : il compte 24 lettres, chiffres, - ou _."
        ]
        assert "<script>alert" not in response.content.decode()
    empty = client.post("/attestations/verifier/", {"code": ""})
    assert "Champ requis." in empty.content.decode()
