"""The certificate PDF: A4 landscape, in French, with the holder, the training, the number and
the verification link its QR code points to; rendered once, then served from the cache."""

from __future__ import annotations

import io
import zoneinfo
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import formats, translation
from pypdf import PdfReader

from certificates import pdf

from .support import issue_one, pdf_text

pytestmark = pytest.mark.django_db
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def french(day) -> str:
    with translation.override("fr"):
        return formats.date_format(day, "j F Y")


@pytest.fixture
def issued(demo_data, committed):
    return issue_one(committed, months=36, title="Écouter l'enfant exposé aux violences")


def _download(client, issued) -> bytes:
    client.force_login(issued.holder)
    response = client.get(reverse("certificates:pdf", args=[issued.certificate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="attestation-{issued.certificate.serial}.pdf"'
    )
    return response.content


def test_the_pdf_says_who_what_which_number_and_where_to_verify(client, issued):
    certificate = issued.certificate
    text = pdf_text(_download(client, issued))
    flat = " ".join(text.split())

    assert issued.holder.get_full_name() in flat
    assert "Écouter l'enfant exposé aux violences" in flat
    assert certificate.serial in flat
    assert certificate.verification_url() in text.replace("\n", "")
    assert "Anne Dubois" in flat and "Coordinatrice du réseau" in flat
    assert "Attestation de formation" in flat


def test_the_pdf_is_one_a4_landscape_page(client, issued):
    reader = PdfReader(io.BytesIO(_download(client, issued)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    assert reader.metadata.subject == issued.certificate.verification_url()


def test_the_pdf_is_in_french_with_french_dates(client, issued):
    certificate = issued.certificate
    flat = " ".join(pdf_text(_download(client, issued)).split())
    issued_on = french(certificate.issued_at.astimezone(BRUSSELS).date())
    session_day = french(issued.run.starts_at.astimezone(BRUSSELS).date())

    assert f"Délivrée le {issued_on}, numéro {certificate.serial}" in flat
    assert f"Valable jusqu'au {french(certificate.valid_until)}" in flat
    assert f"organisée le {session_day} à Esneux" in flat
    assert "Vérifier cette attestation : scannez le code ou rendez-vous sur" in flat
    for english in ("Issued on", "Valid until", "Check this", " on ", "from "):
        assert english not in flat, english


def test_the_pdf_is_rendered_once_then_served_from_the_cache(client, issued):
    cache.clear()
    with mock.patch("certificates.pdf.render", wraps=pdf.render) as render:
        first = pdf.certificate_pdf(issued.certificate)
        second = pdf.certificate_pdf(issued.certificate)
        downloaded = _download(client, issued)
    assert render.call_count == 1
    assert first == second == downloaded
    # Forgotten (as on revoking or erasure): rendered again.
    pdf.forget(issued.certificate)
    with mock.patch("certificates.pdf.render", wraps=pdf.render) as render:
        pdf.certificate_pdf(issued.certificate)
    assert render.call_count == 1


def test_names_outside_latin_1_are_drawn(demo_data, committed):
    from .support import newcomers

    (person,) = newcomers(1)
    person.first_name, person.last_name = "Łucja", "Şahin-Øberg"
    person.save()
    issued = issue_one(committed, person=person)
    text = pdf_text(pdf.certificate_pdf(issued.certificate))
    assert "Łucja Şahin-Øberg" in " ".join(text.split())


def test_an_external_or_anonymised_certificate_has_no_pdf(client, issued):
    from network.privacy_services import erase_person

    url = reverse("certificates:pdf", args=[issued.certificate.pk])
    coordinator = issued.certificate.issued_by
    assert coordinator is None  # issued on completion, by nobody
    erase_person(issued.holder)
    from .factories import user

    client.force_login(user("coordination"))
    assert client.get(url).status_code == 404


def _png(colour: str) -> bytes:
    from PIL import Image as Picture

    buffer = io.BytesIO()
    Picture.new("RGB", (120, 40), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_signature_is_frozen_at_issue(demo_data, committed):
    from django.core.files.images import ImageFile
    from wagtail.images.models import Image

    signature = Image.objects.create(
        title="Signature", file=ImageFile(io.BytesIO(_png("navy")), name="signature.png")
    )
    issued = issue_one(committed, signature=signature)
    certificate = issued.certificate
    assert certificate.content["signature"]  # the bytes' digest

    def images() -> list[bytes]:
        pdf.forget(certificate)
        reader = PdfReader(io.BytesIO(pdf.certificate_pdf(certificate)))
        return [image.data for image in reader.pages[0].images]

    before = images()
    assert len(before) == 1
    # The template gets another signature, then the image itself is deleted.
    issued.template.signature = Image.objects.create(
        title="Autre", file=ImageFile(io.BytesIO(_png("darkred")), name="autre.png")
    )
    issued.template.save()
    signature.delete()
    certificate.refresh_from_db()
    assert images() == before
