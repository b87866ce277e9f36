"""Imported certificates: one audit entry per file, no log line per certificate, a few
queries whatever the number of rows; the single-certificate path keeps its own entry."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import ModelLogEntry

from certificates import services
from certificates.models import Certificate, CertificateTemplate
from lms.models import ModulePage
from network import imports
from network.models import AuditEntry
from network.tabular import read_table

pytestmark = pytest.mark.django_db

User = get_user_model()
HEADER = "E-mail;Code module;Émetteur;Date de délivrance;Heures;Référence\n"


def _file(references, module="PR-VEP"):
    email = User.objects.get(username="professionnelle").email
    text = HEADER + "".join(
        f"{email};{module};Pôle Ressources;14/10/2024;6;{reference}\n" for reference in references
    )
    return read_table(text.encode("utf-8"), "attestations.csv")


def _a_module_with_validity():
    template = (
        CertificateTemplate.objects.filter(active=True, module__isnull=False)
        .exclude(validity_months=None)
        .select_related("module")
        .first()
    )
    assert template is not None, "the demo has a template with a validity"
    return template


def test_importing_n_certificates_writes_one_audit_entry_and_no_log_line(demo_data):
    references = [f"AUD-{n}" for n in range(7)]
    audits, admin_logs = AuditEntry.objects.count(), ModelLogEntry.objects.count()
    report = imports.run_import(
        "certificates", _file(references), User.objects.get(username="coordination"), dry_run=False
    )
    assert report.written and report.new == 7
    assert Certificate.objects.filter(reference__in=references).count() == 7
    assert AuditEntry.objects.count() == audits + 1
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry.action == "import.certificates" and entry.actor_key
    assert "new=7" in entry.object_key
    assert ModelLogEntry.objects.count() == admin_logs  # Wagtail's admin log


def test_the_write_does_not_query_per_row(demo_data):
    counts = []
    for size, prefix in ((2, "Q2-"), (9, "Q9-")):
        table = _file([f"{prefix}{n}" for n in range(size)])
        with CaptureQueriesContext(connection) as captured:
            report = imports.run_import("certificates", table, None, dry_run=False)
        assert report.written and report.new == size
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_an_imported_certificate_is_the_one_a_coordinator_records_by_hand(demo_data):
    template = _a_module_with_validity()
    module = ModulePage.objects.get(pk=template.module_id)
    holder = User.objects.get(username="professionnelle")
    audits = AuditEntry.objects.count()
    by_hand = services.record_external(
        holder=holder,
        module=module,
        title="",
        issuer_name=" Pôle Ressources ",
        issued_on=dt.date(2024, 10, 14),
        hours=Decimal("6.0"),
        reference="HAND-1",
    )
    # The single path keeps its audit entry.
    assert AuditEntry.objects.count() == audits + 1
    (batch,) = services.record_externals(
        [
            services.External(
                holder=holder,
                module=module,
                title="",
                issuer_name=" Pôle Ressources ",
                issued_on=dt.date(2024, 10, 14),
                hours=Decimal("6.0"),
                reference="BATCH-1",
            )
        ]
    )
    assert AuditEntry.objects.count() == audits + 1
    batch.refresh_from_db()
    fields = ("kind", "holder_id", "module_id", "title", "hours", "valid_from", "valid_until")
    assert [getattr(batch, f) for f in fields] == [getattr(by_hand, f) for f in fields]
    assert batch.valid_until is not None  # the template's validity applies to both
    assert batch.issuer_name == by_hand.issuer_name == "Pôle Ressources"
    assert batch.content == by_hand.content
    assert batch.code != by_hand.code and batch.subject_uuid != by_hand.subject_uuid


def test_a_certificate_the_database_refuses_cancels_the_whole_file(demo_data, monkeypatch):
    existing = set(Certificate.objects.values_list("pk", flat=True))
    original = services._external_certificate

    def clashing(item, template, actor):  # every certificate gets the same code
        certificate = original(item, template, actor)
        certificate.code = "same-code-for-all"
        return certificate

    monkeypatch.setattr(services, "_external_certificate", clashing)
    report = imports.run_import("certificates", _file(["DUP-1", "DUP-2"]), None, dry_run=False)
    assert not report.written and report.general_errors
    assert set(Certificate.objects.values_list("pk", flat=True)) == existing
