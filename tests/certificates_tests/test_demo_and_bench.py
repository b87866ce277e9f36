"""The demo's certificates (every kind, consistent, nobody e-mailed, loaded twice alike) and the
certificates benchmark at a tiny size (its timings are not tested)."""

import datetime as dt
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import formats, timezone, translation

from certificates import openbadges, qualifications
from certificates.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    CertificateTemplate,
    Counter,
    FrozenImage,
    IssueMode,
    IssueRequest,
    RequestStatus,
    State,
)
from hub.demo.certificates import FACILITATORS
from lms.models import ModulePage, TrainingPathPage

pytestmark = pytest.mark.django_db


def _issued():
    return Certificate.objects.filter(kind=CertificateKind.ISSUED).select_related("holder")


def test_demo_holds_every_kind_of_certificate(demo_data, client):
    today = timezone.localdate()
    states = {c.state(today) for c in _issued()}
    assert states >= {State.VALID, State.EXPIRED, State.REVOKED, State.SUPERSEDED}
    soon = today + dt.timedelta(days=60)
    assert Certificate.objects.valid_on(today).filter(valid_until__lte=soon).exists()

    revoked = _issued().get(status=CertificateStatus.REVOKED)
    assert revoked.revocation_reason and revoked.revoked_at > revoked.issued_at
    # Nothing issued it again behind the coordinator's back (e.g. on a completion signal).
    assert not Certificate.objects.current().filter(holder=revoked.holder, run=revoked.run)
    replaced = _issued().get(superseded_by__isnull=False)
    assert replaced.superseded_by.content["supersedes"] == replaced.serial
    assert replaced.superseded_by.state(today) == State.VALID

    external = Certificate.objects.filter(kind=CertificateKind.EXTERNAL)
    issuers = set(external.values_list("issuer_name", flat=True))
    assert any("Pôle Ressources" in name for name in issuers)
    assert any("Fédération des CPAS" in name for name in issuers)
    assert not external.filter(serial__isnull=False).exists()
    assert not external.exclude(credential="").exists()

    pending = IssueRequest.objects.get(status=RequestStatus.PENDING)
    assert pending.template.issue_mode == IssueMode.REVIEW
    assert not Certificate.objects.filter(holder=pending.holder, run=pending.run).exists()

    camille = _issued().get(holder__username="professionnelle", run__code="PR-VEP-2026-01")
    assert camille.state(today) == State.VALID
    assert camille.content["holder_name"] == "Camille Renson"
    page = client.get(f"/attestations/verifier/{camille.code}/")
    assert page.status_code == 200
    assert camille.serial in page.content.decode()


def test_every_module_and_path_has_a_template_with_logo_and_signature(demo_data):
    templates = CertificateTemplate.objects.filter(active=True)
    assert set(templates.values_list("module", flat=True)) - {None} == set(
        ModulePage.objects.exclude(code__startswith="BENCH-").values_list("pk", flat=True)
    )
    assert set(templates.values_list("path", flat=True)) - {None} == set(
        TrainingPathPage.objects.values_list("pk", flat=True)
    )
    assert not templates.filter(logo__isnull=True).exists()
    assert not templates.filter(signature__isnull=True).exists()
    assert templates.filter(issue_mode=IssueMode.REVIEW).count() == 1
    assert templates.get(module__code="PR-VEP").validity_months == 36
    assert templates.get(module__code="RES-SEC").validity_months is None
    frozen = {c.content["logo"] for c in _issued()} | {c.content["signature"] for c in _issued()}
    assert len(frozen) == 2 and FrozenImage.objects.filter(sha256__in=frozen).count() == 2


def test_demo_serials_have_no_gap_and_follow_the_dates_of_issue(demo_data):
    numbers: dict[str, list[tuple[int, dt.datetime]]] = {}
    for serial, issued_at in _issued().values_list("serial", "issued_at"):
        year, number = re.fullmatch(r"MAIL-(\d{4})-(\d{6})", serial).groups()
        numbers.setdefault(year, []).append((int(number), issued_at))
    for year, rows in numbers.items():
        rows.sort()
        assert [n for n, _at in rows] == list(range(1, len(rows) + 1))
        assert Counter.objects.get(name=f"serial-{year}").value == len(rows)
        assert [at for _n, at in rows] == sorted(at for _n, at in rows)


def test_backdated_certificates_say_the_same_dates_everywhere(demo_data):
    """Text, validity and signed credential agree with the (past) dates of issue."""
    for certificate in _issued():
        content = certificate.content
        with translation.override("fr"):
            issued_on = formats.date_format(timezone.localdate(certificate.issued_at))
            until = formats.date_format(certificate.valid_until) if certificate.valid_until else ""
        assert issued_on in content["issued_line"] and certificate.serial in content["issued_line"]
        assert until in content["validity_line"]
        expected = openbadges.credential(certificate, email="")
        payload = openbadges.decode_unverified(certificate.credential)
        assert payload["validFrom"] == expected["validFrom"]
        assert payload.get("validUntil") == expected.get("validUntil")


def test_facilitators_are_qualified_today_and_some_will_not_be(demo_data):
    people = dict(
        get_user_model().objects.filter(username__in=FACILITATORS).values_list("username", "pk")
    )
    assert set(people) == set(FACILITATORS)
    modules = list(
        ModulePage.objects.filter(code__in=["PR-VEP", "RES-GRP"]).values_list("pk", flat=True)
    )
    found = qualifications.load(people.values(), modules)
    today = timezone.localdate()
    assert all(found.qualified(pk, modules, today) for pk in people.values())
    later = today + dt.timedelta(days=60)
    gaps = {name for name, pk in people.items() if not found.qualified(pk, modules, later)}
    assert gaps and gaps != set(FACILITATORS)


def _snapshot() -> str:
    from wagtail.images import get_image_model

    from network.models import AuditEntry

    return json.dumps(
        {
            "certificates": list(Certificate.objects.order_by("pk").values()),
            "templates": list(CertificateTemplate.objects.order_by("pk").values()),
            "requests": list(IssueRequest.objects.order_by("pk").values()),
            "counters": list(Counter.objects.order_by("name").values()),
            "frozen": list(FrozenImage.objects.order_by("pk").values_list("pk", flat=True)),
            "images": list(get_image_model().objects.order_by("pk").values("title", "file")),
            "audit": AuditEntry.objects.count(),
        },
        default=str,
        sort_keys=True,
    )


def test_loading_the_demo_again_changes_no_certificate(demo_data):
    before = _snapshot()
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    assert _snapshot() == before


def test_loading_the_demo_emails_nobody(db, mailoutbox, django_capture_on_commit_callbacks):
    assert not Certificate.objects.exists()  # a first load, not a reload
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    assert _issued().count() >= 20
    assert [m.subject for m in mailoutbox] == []
    assert not Certificate.objects.filter(emailed_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_bench_cases_run_at_a_tiny_size(migrated_data, demo_data, tmp_path, monkeypatch):
    """Committed for real: bulk issuing e-mails each holder once its certificate commits."""
    pytest.importorskip("weasyprint")
    from bench import harness
    from bench.cases import certificates as bench_certificates

    monkeypatch.setattr(harness, "RESULTS_DIR", tmp_path)
    monkeypatch.setenv("BENCH_CERT_PEOPLE", "3")
    monkeypatch.setenv("BENCH_CERT_BASELINE", "1")
    names = []
    for case in bench_certificates.cases({"scale": 0}):
        harness.write(harness.measure(case))
        names.append(case.name)
    assert names == ["certificate_pdf", "certificate_bulk_issue"]
    pdf = json.loads((tmp_path / "certificate_pdf.json").read_text())
    bulk = json.loads((tmp_path / "certificate_bulk_issue.json").read_text())
    for result in (pdf, bulk):
        for key in ("case", "runs", "median_s", "min_s", "max_s", "queries", "baseline"):
            assert key in result
        assert result["ratio"] == pytest.approx(result["median_s"] / result["baseline_median_s"])
    assert pdf["speedup"] == pytest.approx(1 / pdf["ratio"], rel=0.01)
    assert pdf["pdf_bytes"] > 1000 and pdf["baseline_pdf_bytes"] > 1000
    assert bulk["certificates"] == 3 and bulk["certificates_per_s"] > 0
    assert (
        bulk["queries_per_certificate"] > 0
        and bulk["queries"] > 3 * bulk["queries_per_certificate"]
    )
    assert 0 < bulk["sending_share"] < 1
    assert len(mail.outbox) == 3  # the last bare-cost run: one PDF each
