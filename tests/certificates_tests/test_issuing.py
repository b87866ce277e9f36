"""Issuing: on completion (automatic or reviewed), for paths, numbered without gaps, frozen at
issue, and re-issued with both certificates saying so."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from decimal import Decimal
from functools import partial
from unittest import mock

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse

from certificates import exceptions, pdf, services
from certificates.models import (
    Certificate,
    CertificateStatus,
    IssueMode,
    IssueRequest,
    RequestStatus,
)
from lms import services as lms_services
from lms.models import AttendanceStatus, Enrolment, PathCompletion
from lms.services import Mark
from tests.lms_tests.factories import path as make_path
from tests.lms_tests.helpers import race

from .factories import complete, module, run, template, user
from .support import certificate_mails, issue_one, newcomers, pdf_text

pytestmark = pytest.mark.django_db
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
SERIAL = re.compile(r"^MAIL-(\d{4})-(\d{6})$")


def serial_number(serial: str) -> tuple[int, int]:
    match = SERIAL.match(serial)
    assert match, serial
    return int(match.group(1)), int(match.group(2))


def _panel(html: str):
    soup = BeautifulSoup(html, "html.parser")
    heading = soup.find("h2", string="Mes attestations")
    assert heading is not None, "no “Mes attestations” panel"
    return heading.find_parent("section")


# --- on completion ---------------------------------------------------------------------------


def test_completing_an_automatic_module_issues_e_mails_and_lists_exactly_one_certificate(
    demo_data, committed, client
):
    issued = issue_one(committed, months=36)
    certificate, holder = issued.certificate, issued.holder

    assert Certificate.objects.filter(holder=holder).count() == 1
    assert certificate.run == issued.run and certificate.template == issued.template
    assert certificate.status == CertificateStatus.VALID
    year, _number = serial_number(certificate.serial)
    assert year == certificate.issued_at.astimezone(BRUSSELS).year
    assert certificate.credential.count(".") == 2  # a compact JWS

    # E-mailed once, to the holder only: the PDF attached, the verification link in the body.
    (message,) = certificate_mails()
    assert message.to == [holder.email]
    assert certificate.serial in message.subject
    assert certificate.verification_url() in message.body
    (name, content, mimetype) = next(a for a in message.attachments if a[2] == "application/pdf")
    assert name == f"attestation-{certificate.serial}.pdf" and content.startswith(b"%PDF")
    assert certificate.serial in pdf_text(content)
    certificate.refresh_from_db()
    assert certificate.emailed_at is not None

    # "Mes attestations" on Mon parcours lists it with its three links.
    client.force_login(holder)
    response = client.get("/mon-parcours/")
    assert response.status_code == 200
    panel = _panel(response.content.decode())
    (item,) = panel.select("li.certificate")
    assert issued.module.title in item.get_text()
    assert certificate.serial in item.get_text()
    links = {a["href"] for a in item.find_all("a")}
    assert links == {
        reverse("certificates:pdf", args=[certificate.pk]),
        reverse("certificates:badge", args=[certificate.pk]),
        reverse("certificates:verify", args=[certificate.code]),
    }
    for href in links:
        assert client.get(href).status_code == 200, href


def test_marking_attendance_again_issues_nothing_more(demo_data, committed):
    issued = issue_one(committed)
    mail.outbox.clear()
    coordinator = user("coord-esneux")
    session = issued.run.sessions().first()

    with committed(), time_machine.travel(session.end + dt.timedelta(hours=1), tick=False):
        completed = lms_services.mark_attendance(
            session, {issued.enrolment.pk: Mark(AttendanceStatus.PRESENT)}, actor=coordinator
        )
    assert completed == []
    # Even if lms sent its signal again, nothing more would be issued.
    with committed():
        assert services.on_module_completed(issued.enrolment) is None

    assert Certificate.objects.filter(holder=issued.holder).count() == 1
    assert certificate_mails() == []
    with pytest.raises(exceptions.AlreadyIssued):
        services.issue_by_hand(issued.enrolment, actor=coordinator)


def test_a_review_mode_template_queues_a_request_that_a_coordinator_issues(
    demo_data, committed, client
):
    the_module = module(title="Accueillir la parole de l'enfant")
    the_template = template(the_module, mode=IssueMode.REVIEW)
    the_run = run(the_module)
    (person,) = newcomers(1)
    (enrolment,) = complete(the_run, [person], committed)

    assert not Certificate.objects.filter(holder=person).exists()
    assert certificate_mails() == []
    (request,) = IssueRequest.objects.filter(holder=person)
    assert request.status == RequestStatus.PENDING
    assert request.template == the_template and request.run == the_run
    client.force_login(person)
    assert "en cours d'examen" in _panel(client.get("/mon-parcours/").content.decode()).text

    # Completion noticed again: still one request.
    with committed():
        services.on_module_completed(enrolment)
    assert IssueRequest.objects.filter(holder=person).count() == 1

    coordinator = user("coord-esneux")
    with committed():
        certificate = services.decide_request(request, actor=coordinator, approve=True)
    request.refresh_from_db()
    assert request.status == RequestStatus.ISSUED and request.certificate == certificate
    assert request.decided_by == coordinator
    assert certificate.holder == person and certificate.run == the_run
    assert certificate.issued_by == coordinator
    (message,) = certificate_mails(person.email)
    assert certificate.verification_url() in message.body
    with pytest.raises(exceptions.AlreadyDecided):
        services.decide_request(request, actor=coordinator, approve=True)


def test_declining_a_request_needs_a_reason_and_issues_nothing(demo_data, committed):
    the_module = module()
    template(the_module, mode=IssueMode.REVIEW)
    (person,) = newcomers(1)
    complete(run(the_module), [person], committed)
    request = IssueRequest.objects.get(holder=person)
    coordinator = user("coord-esneux")

    with pytest.raises(exceptions.ReasonRequired):
        services.decide_request(request, actor=coordinator, approve=False, reason="  ")
    services.decide_request(request, actor=coordinator, approve=False, reason="Doublon")
    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED and request.reason == "Doublon"
    assert not Certificate.objects.filter(holder=person).exists()


def test_completing_a_path_issues_a_path_certificate(demo_data, committed):
    first = module(title="Premier module", hours=Decimal("6"))
    second = module(title="Second module", hours=Decimal("3"))
    the_path = make_path("Parcours référent·e", [(first, True), (second, True)])
    template(path=the_path, months=24)
    (person,) = newcomers(1)

    complete(run(first), [person], committed)
    assert not Certificate.objects.filter(holder=person).exists()  # path not complete yet
    complete(run(second), [person], committed)

    assert PathCompletion.objects.filter(path=the_path, person=person).exists()
    (certificate,) = Certificate.objects.filter(holder=person)
    assert certificate.path == the_path and certificate.module is None and certificate.run is None
    assert certificate.hours == Decimal("9")
    assert certificate.content["achievement"] == "Parcours référent·e"
    assert certificate.valid_until is not None
    assert len(certificate_mails(person.email)) == 1


# --- numbering -------------------------------------------------------------------------------


def test_serial_numbers_start_at_one_each_year_and_have_no_gap_even_after_a_failure(
    demo_data, committed
):
    the_module = module()
    people = newcomers(3)
    enrolments = complete(run(the_module), people, committed)  # no template yet: nothing issued
    template(the_module)
    coordinator = user("coord-esneux")

    with time_machine.travel(dt.datetime(2031, 1, 5, 10, tzinfo=BRUSSELS), tick=False):
        first = services.issue_by_hand(enrolments[0], actor=coordinator)
        with (
            mock.patch(
                "certificates.openbadges.signed_credential", side_effect=RuntimeError("HSM down")
            ),
            pytest.raises(RuntimeError),
        ):
            services.issue_by_hand(enrolments[1], actor=coordinator)
        assert not Certificate.objects.filter(holder=people[1]).exists()
        second = services.issue_by_hand(enrolments[1], actor=coordinator)
        third = services.issue_by_hand(enrolments[2], actor=coordinator)

    assert [first.serial, second.serial, third.serial] == [
        "MAIL-2031-000001",
        "MAIL-2031-000002",
        "MAIL-2031-000003",
    ]
    # The status-list positions have no gap either.
    assert second.status_index == first.status_index + 1 == third.status_index - 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_serial_numbers_have_no_gap_and_no_duplicate_under_concurrency(
    migrated_data, demo_data, committed
):
    the_module = module()
    people = newcomers(8)
    enrolments = complete(run(the_module, capacity=10), people, committed)
    template(the_module)
    coordinator = user("coord-esneux")

    # In a year without any certificate yet: the year's counter is created in the race too.
    with time_machine.travel(dt.datetime(2032, 1, 2, 9, tzinfo=BRUSSELS)):
        errors = race([partial(services.issue_by_hand, e, actor=coordinator) for e in enrolments])

    assert errors == []
    certificates = list(Certificate.objects.filter(module=the_module))
    assert len(certificates) == 8
    assert sorted(c.serial for c in certificates) == [f"MAIL-2032-{n:06d}" for n in range(1, 9)]
    indexes = sorted(c.status_index for c in certificates)
    assert indexes == list(range(indexes[0], indexes[0] + 8))


# --- frozen content, re-issue ----------------------------------------------------------------


def test_later_template_edits_change_no_issued_certificate(demo_data, committed):
    issued = issue_one(committed, months=12)
    certificate = issued.certificate
    content = dict(certificate.content)
    credential = certificate.credential
    before = pdf_text(pdf.render(certificate.content, certificate.verification_url()))

    the_template = issued.template
    the_template.title = "Certificat de participation"
    the_template.body = "Nouveau texte pour {nom}."
    the_template.signatory_name = "Bernard Lambert"
    the_template.validity_months = 60
    the_template.save()
    issued.module.title = "Titre du module changé"
    issued.module.save_revision().publish()

    certificate.refresh_from_db()
    assert certificate.content == content
    assert certificate.credential == credential
    pdf.forget(certificate)
    after = pdf_text(pdf.certificate_pdf(certificate))
    assert after == before
    assert "Bernard Lambert" not in after and "Nouveau texte" not in after
    assert "Anne Dubois" in after


def test_re_issuing_supersedes_and_both_verification_pages_link_each_other(
    demo_data, committed, client
):
    issued = issue_one(committed, months=12)
    old = issued.certificate
    issued.template.signatory_name = "Bernard Lambert"
    issued.template.save()
    mail.outbox.clear()

    with committed():
        new = services.reissue(old, actor=user("coordination"))

    old.refresh_from_db()
    assert old.superseded_by == new and old.status == CertificateStatus.VALID
    assert new.serial != old.serial and new.content["supersedes"] == old.serial
    assert new.content["signatory_name"] == "Bernard Lambert"
    assert old.content["signatory_name"] == "Anne Dubois"
    assert (new.valid_from, new.valid_until) == (old.valid_from, old.valid_until)
    assert Certificate.objects.filter(holder=issued.holder).count() == 2
    (message,) = certificate_mails(issued.holder.email)
    assert new.serial in message.subject and "remplace" in message.body

    old_page = client.get(old.get_verification_path()).content.decode()
    new_page = client.get(new.get_verification_path()).content.decode()
    assert "Remplacée" in old_page and new.get_verification_path() in old_page
    assert new.serial in old_page
    assert "Valide" in new_page and old.get_verification_path() in new_page
    assert old.serial in new_page
    with pytest.raises(exceptions.AlreadySuperseded):
        services.reissue(old, actor=user("coordination"))
    # Still one current certificate for the run, so completion issues nothing more.
    assert services.current_certificate(issued.holder, run=issued.run) == new
    assert Enrolment.objects.get(pk=issued.enrolment.pk).status == "completed"
