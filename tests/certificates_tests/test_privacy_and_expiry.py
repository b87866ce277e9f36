"""Erasing a holder keeps an anonymous record; the privacy export lists the certificates;
holders and their coordinators are told once, 60 days before a certificate expires."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
import zoneinfo

import pytest
import time_machine
from django.core import mail

from certificates import services
from certificates.models import Certificate, IssueMode, IssueRequest
from certificates.notifications import coordinators_of
from network.privacy_services import erase_person, export_person

from .factories import complete, module, run, template, user
from .support import issue_one, newcomers

pytestmark = pytest.mark.django_db
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


# --- erasure and export ----------------------------------------------------------------------


def test_erasing_the_holder_keeps_an_anonymous_record(demo_data, committed, client):
    issued = issue_one(committed, months=12)
    holder, certificate = issued.holder, issued.certificate
    names = [holder.get_full_name(), holder.first_name, holder.last_name, holder.email]
    assert holder.get_full_name() in json.dumps(certificate.content, ensure_ascii=False)

    erase_person(holder, actor=user("coordination"))

    stored = Certificate.objects.get(pk=certificate.pk)
    assert stored.holder is None and stored.anonymised_at is not None
    assert stored.serial == certificate.serial and stored.code == certificate.code
    assert stored.credential == ""
    content = json.dumps(stored.content, ensure_ascii=False)
    for name in names:
        assert name not in content, name
    assert stored.content["achievement"] == issued.module.title
    page = client.get(stored.get_verification_path()).content.decode()
    assert "les données de son·sa titulaire ont été effacées à sa demande" in page
    for name in names:
        assert name not in page, name


def test_erasing_a_holder_also_drops_their_pending_requests(demo_data, committed):
    the_module = module()
    template(the_module, mode=IssueMode.REVIEW)
    (person,) = newcomers(1)
    complete(run(the_module), [person], committed)
    assert IssueRequest.objects.filter(holder=person).exists()
    erase_person(person)
    assert not IssueRequest.objects.filter(holder_id=person.pk).exists()


def test_the_privacy_export_lists_the_person_s_certificates(demo_data, committed):
    issued = issue_one(committed, months=12)
    archive = zipfile.ZipFile(io.BytesIO(export_person(issued.holder)))
    data = json.loads(archive.read("donnees.json"))

    rows = data["models"]["maillage_certificates.certificate"]["rows"]
    (row,) = [r for r in rows if r["serial"] == issued.certificate.serial]
    assert row["title"] == issued.module.title
    assert row["code"] == issued.certificate.code
    assert row["valid_until"] == issued.certificate.valid_until.isoformat()
    assert "attestations" in archive.read("resume.txt").decode().lower()


def test_a_bulk_issue_forgets_who_asked_for_it_on_their_erasure(demo_data):
    from certificates.models import BulkIssue

    the_run = run(module())
    asker = user("coord-esneux")
    bulk = BulkIssue.objects.create(run=the_run, requested_by=asker)
    erase_person(asker)
    bulk.refresh_from_db()
    assert bulk.requested_by is None


# --- expiry reminders ------------------------------------------------------------------------


def _mails_about(title: str) -> list:
    return [m for m in mail.outbox if title in m.subject or title in m.body]


@pytest.fixture
def expiring(demo_data, committed):
    """A one-year certificate of a module whose next run is planned before it expires."""
    issued = issue_one(committed, months=12, title="Protéger l'enfant : les bons réflexes")
    until = issued.certificate.valid_until
    next_run = run(issued.module, days=[until - dt.timedelta(days=10)])
    mail.outbox.clear()
    return issued, next_run


def _at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(3), BRUSSELS), tick=False)


def test_holders_and_their_coordinators_are_told_once_60_days_before(expiring, committed):
    issued, next_run = expiring
    until = issued.certificate.valid_until
    title = issued.module.title

    with _at(until - dt.timedelta(days=61)), committed():
        services.send_expiry_reminders()
    assert _mails_about(title) == []

    with _at(until - dt.timedelta(days=60)), committed():
        services.send_expiry_reminders()
    sent = _mails_about(title)
    (to_holder,) = [m for m in sent if m.to == [issued.holder.email]]
    assert "expire le" in to_holder.subject
    assert next_run.code in to_holder.body
    assert "Pour la renouveler, vous pouvez vous inscrire" in to_holder.body
    coordinators = coordinators_of(issued.certificate)
    assert user("coord-esneux") in coordinators
    to_coordinators = [m for m in sent if m is not to_holder]
    assert sorted(m.to[0] for m in to_coordinators) == sorted(c.email for c in coordinators)
    (to_esneux,) = [m for m in to_coordinators if m.to == [user("coord-esneux").email]]
    assert issued.holder.get_full_name() in to_esneux.body
    assert next_run.code in to_esneux.body

    mail.outbox.clear()
    with _at(until - dt.timedelta(days=59)), committed():
        services.send_expiry_reminders()
    with _at(until), committed():
        services.send_expiry_reminders()
    assert _mails_about(title) == []


def test_revoked_replaced_or_renewed_certificates_bring_no_reminder(expiring, committed):
    issued, next_run = expiring
    until = issued.certificate.valid_until
    coordination = user("coordination")
    # Revoked.
    services.revoke(issued.certificate, actor=coordination, reason="Erreur")
    # Replaced: the old one is not reminded (its successor is, once).
    replaced = issue_one(committed, months=12, title="Module remplacé")
    with committed():
        successor = services.reissue(replaced.certificate, actor=coordination)
    # Renewed: a newer certificate of the same module lasts longer.
    renewed = issue_one(committed, months=12, title="Module renouvelé")
    services.record_external(
        holder=renewed.holder,
        module=renewed.module,
        title="",
        issuer_name="Pôle Ressources",
        issued_on=renewed.certificate.valid_from + dt.timedelta(days=200),
        hours=renewed.certificate.hours,
    )
    mail.outbox.clear()

    with _at(until - dt.timedelta(days=30)), committed():
        services.send_expiry_reminders()

    assert _mails_about(issued.module.title) == []
    assert _mails_about("Module renouvelé") == []
    about_replaced = [m for m in _mails_about("Module remplacé") if m.to == [replaced.holder.email]]
    assert len(about_replaced) == 1 and successor.serial
    replaced.certificate.refresh_from_db()
    assert replaced.certificate.expiry_reminded_at is None
