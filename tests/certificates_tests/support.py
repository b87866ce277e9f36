"""Shared tools of the certificate tests: an issued certificate, its e-mails, its JWTs."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass

from django.conf import settings
from django.core import mail
from jwcrypto import jwk, jws
from pypdf import PdfReader

from certificates.models import Certificate, IssueMode, IssueRequest

from .factories import complete, module, pros, run, template

BASE_URL = settings.WAGTAILADMIN_BASE_URL.rstrip("/")


@dataclass
class Issued:
    certificate: Certificate
    holder: object
    module: object
    run: object
    template: object
    enrolment: object


def newcomers(count: int) -> list:
    """Demo professionals without any certificate or request yet (the demo gives some)."""
    taken = set(Certificate.objects.values_list("holder_id", flat=True)) | set(
        IssueRequest.objects.values_list("holder_id", flat=True)
    )
    found = [person for person in pros(40) if person.pk not in taken]
    assert len(found) >= count, "not enough demo professionals without a certificate"
    return found[:count]


def issue_one(committed, *, months=None, title="Écouter l'enfant exposé", person=None, **fields):
    """A module with an automatic template, completed by one professional: their certificate."""
    the_module = module(title=title)
    the_template = template(the_module, months=months, mode=IssueMode.AUTOMATIC, **fields)
    the_run = run(the_module)
    person = person or newcomers(1)[0]
    (enrolment,) = complete(the_run, [person], committed)
    certificate = Certificate.objects.get(holder=person, module=the_module)
    return Issued(certificate, person, the_module, the_run, the_template, enrolment)


def certificate_mails(address: str | None = None) -> list:
    """The e-mails that carry a certificate (a PDF attachment), to `address` if given."""
    return [
        m
        for m in mail.outbox
        if any(mimetype == "application/pdf" for _n, _c, mimetype in m.attachments)
        and (address is None or address in m.to)
    ]


def local(url: str) -> str:
    """A URL of ours, as the test client asks for it."""
    assert url.startswith(BASE_URL + "/"), url
    return url[len(BASE_URL) :]


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def b64url_json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def header_of(token: str) -> dict:
    return b64url_json(token.split(".")[0])


def fetch_key(client, token: str) -> jwk.JWK:
    """The public key of a JWS, fetched from its header's `kid` URL through the test client."""
    response = client.get(local(header_of(token)["kid"]))
    assert response.status_code == 200, response.status_code
    return jwk.JWK(**response.json())


def verified_payload(token: str, key: jwk.JWK) -> dict:
    """The payload of a compact JWS once its signature is checked (raises otherwise)."""
    signed = jws.JWS()
    signed.deserialize(token)
    signed.verify(key)
    return json.loads(signed.payload)
