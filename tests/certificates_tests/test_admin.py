"""The certificates admin: the registry scoped by commune on every URL, revoking and
re-issuing through the services, external certificates with their scan, the CSV export, the
review queue, bulk issuing for a run (preview, progress, ZIP) and the templates."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from certificates import services
from certificates.models import (
    BulkIssue,
    BulkIssueStatus,
    Certificate,
    CertificateKind,
    CertificateStatus,
    CertificateTemplate,
    IssueMode,
    IssueRequest,
    RequestStatus,
)
from lms import services as lms_services
from network import roles
from network.models import AuditEntry, MemberProfile

from .factories import complete, module, run, template

pytestmark = pytest.mark.django_db

PASSWORD = "demo-maillage"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def sign_in(client):
    def signed(username):
        client.logout()
        assert client.login(username=username, password=PASSWORD), username
        # English pages: the assertions outlive the French translation.
        client.cookies["maillage_language"] = "en"
        return client

    return signed


def _people(
    count: int, *, serving: str = "Esneux", organisation: str | None = None, managed: bool = True
) -> list:
    """Active demo professionals without any certificate or request, of an organisation
    serving `serving` (or of `organisation`)."""
    taken = set(Certificate.objects.values_list("holder_id", flat=True)) | set(
        IssueRequest.objects.values_list("holder_id", flat=True)
    )
    profiles = MemberProfile.objects.filter(user__username__startswith="pro-", user__is_active=True)
    if organisation is not None:
        profiles = profiles.filter(organisation__name=organisation)
    elif not managed:
        profiles = profiles.filter(organisation__communes__name=serving)
    else:
        # Members coord-esneux manages (not those of organisations serving other communes).
        from network.permissions import visible
        from tests.lms_tests.factories import user

        assert serving == "Esneux"
        coordinator = user("coord-esneux")
        profiles = profiles.filter(pk__in=visible(coordinator, MemberProfile, "change"))
    found = [
        profile.user
        for profile in profiles.select_related("user").order_by("user__username").distinct()
        if profile.user_id not in taken
    ]
    assert len(found) >= count, f"not enough professionals ({serving}, {organisation})"
    return found[:count]


def _outsiders(count: int) -> list:
    """Professionals whose organisation serves Aywaille only: outside Esneux's scope."""
    return _people(count, organisation="CPAS d'Aywaille")


def _issue(the_run, person, the_template=None) -> Certificate:
    """A certificate of `the_run` for `person`, issued as on completion (no e-mail)."""
    the_template = the_template or services.template_for(module=the_run.module)
    achieved = services.Achieved(the_template, the_run, None, Decimal("6"), timezone.localdate())
    return services.issue(achieved, person, notify=False)


@pytest.fixture
def registry(demo_data):
    """One certificate of an Esneux run, one of an Aywaille run held by someone of Aywaille."""
    esneux_module = module(title="Accueillir la parole de l'enfant", code="ADM-CERT-E")
    template(esneux_module, months=36)
    esneux_run = run(esneux_module)
    aywaille_module = module(title="Orienter vers le réseau", code="ADM-CERT-A")
    template(aywaille_module)
    aywaille_run = run(aywaille_module, commune_name="Aywaille")
    (esneux_holder,) = _people(1)
    (aywaille_holder,) = _outsiders(1)
    return {
        "esneux": _issue(esneux_run, esneux_holder),
        "aywaille": _issue(aywaille_run, aywaille_holder),
        "esneux_run": esneux_run,
        "aywaille_run": aywaille_run,
    }


def _inspect(certificate) -> str:
    return reverse("certificates_registry:inspect", args=[certificate.pk])


def _inline_scripts(html: str) -> list[str]:
    """Scripts a Content-Security-Policy without 'unsafe-inline' would block."""
    return [
        attrs
        for attrs in re.findall(r"<script([^>]*)>", html)
        if "src=" not in attrs and 'type="application/json"' not in attrs
    ]


# --- scope -----------------------------------------------------------------------------------


def test_the_registry_lists_the_coordinators_communes_only(registry, sign_in):
    mine, theirs = registry["esneux"], registry["aywaille"]

    page = sign_in("coord-esneux").get(reverse("certificates_registry:index"))
    assert page.status_code == 200
    text = page.content.decode()
    assert mine.serial in text and escape(mine.holder_name) in text
    assert theirs.serial not in text

    page = sign_in("coordination").get(reverse("certificates_registry:index"))
    text = page.content.decode()
    assert mine.serial in text and theirs.serial in text


def test_every_certificate_url_outside_the_scope_answers_404(registry, sign_in):
    theirs = registry["aywaille"]
    client = sign_in("coord-esneux")
    for url in (
        _inspect(theirs),
        reverse("certificates_registry:revoke", args=[theirs.pk]),
        reverse("certificates_registry:reissue", args=[theirs.pk]),
        reverse("certificates:pdf", args=[theirs.pk]),
        reverse("certificates:badge", args=[theirs.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            reverse("certificates_registry:revoke", args=[theirs.pk]), {"reason": "Erreur"}
        ).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == CertificateStatus.VALID


def test_the_inspect_view_shows_the_certificate_and_its_actions(registry, sign_in):
    mine = registry["esneux"]
    page = sign_in("coord-esneux").get(_inspect(mine))
    assert page.status_code == 200
    text = page.content.decode()
    assert mine.serial in text
    assert escape(mine.holder_name) in text
    assert escape(mine.content["body"]) in text  # what it says, frozen at issue
    assert _inline_scripts(text) == []
    for url in (
        reverse("certificates:pdf", args=[mine.pk]),
        reverse("certificates:badge", args=[mine.pk]),
        mine.get_verification_path(),
        reverse("certificates_registry:revoke", args=[mine.pk]),
        reverse("certificates_registry:reissue", args=[mine.pk]),
    ):
        assert url in text, url
    assert "/edit/" not in reverse("certificates_registry:inspect", args=[mine.pk])
    # Frozen and never deleted: no edit or delete screen exists.
    for name in ("edit", "delete"):
        with pytest.raises(Exception):  # noqa: B017 - NoReverseMatch
            reverse(f"certificates_registry:{name}", args=[mine.pk])


# --- revoking, re-issuing --------------------------------------------------------------------


def test_revoking_needs_a_reason_then_keeps_the_certificate_revoked(registry, sign_in):
    mine = registry["esneux"]
    client = sign_in("coord-esneux")
    url = reverse("certificates_registry:revoke", args=[mine.pk])

    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": "   "})
    assert refused.status_code == 200
    assert refused.context["form"].errors["reason"]
    mine.refresh_from_db()
    assert mine.status == CertificateStatus.VALID

    done = client.post(url, {"reason": "Présence non confirmée par la formatrice"}, follow=True)
    assert done.redirect_chain[-1][0] == _inspect(mine)
    mine.refresh_from_db()
    assert mine.status == CertificateStatus.REVOKED
    assert mine.revocation_reason == "Présence non confirmée par la formatrice"
    assert AuditEntry.objects.filter(action="certificate.revoke", object_key=str(mine.pk)).exists()
    text = done.content.decode()
    assert "Présence non confirmée par la formatrice" in text
    assert reverse("certificates_registry:revoke", args=[mine.pk]) not in text

    # Revoking again, or re-issuing a revoked one: a message, never an error page.
    again = client.post(url, {"reason": "Deux fois"}, follow=True)
    assert again.status_code == 200
    reissued = client.post(reverse("certificates_registry:reissue", args=[mine.pk]), follow=True)
    assert reissued.status_code == 200
    assert "This certificate is already revoked." in [str(m) for m in reissued.context["messages"]]
    assert not Certificate.objects.filter(superseded_by__isnull=False, pk=mine.pk).exists()


def test_re_issuing_supersedes_the_certificate_both_ways(registry, sign_in):
    old = registry["esneux"]
    client = sign_in("coord-esneux")
    url = reverse("certificates_registry:reissue", args=[old.pk])
    assert client.get(url).status_code == 200

    response = client.post(url)
    old.refresh_from_db()
    new = old.superseded_by
    assert new is not None and new.serial != old.serial
    assert response.status_code == 302 and response["Location"] == _inspect(new)
    assert new.holder_id == old.holder_id and new.run_id == old.run_id

    new_page = client.get(_inspect(new)).content.decode()
    assert old.serial in new_page  # "Replaces"
    old_page = client.get(_inspect(old)).content.decode()
    assert new.serial in old_page  # "Replaced by"
    assert "Replaced" in old_page

    second = client.post(url, follow=True)
    assert "This certificate was already replaced by a newer one." in [
        str(m) for m in second.context["messages"]
    ]
    assert Certificate.objects.filter(run=old.run, holder=old.holder).count() == 2


# --- external certificates -------------------------------------------------------------------


def test_a_coordinator_records_an_external_certificate_with_its_scan(registry, sign_in):
    (holder,) = _people(1)
    (outsider,) = _outsiders(1)
    client = sign_in("coord-esneux")
    url = reverse("certificates_registry:add")

    form = client.get(url)
    assert form.status_code == 200
    assert _inline_scripts(form.content.decode()) == []
    choices = {str(value) for value, _label in form.context["form"].fields["holder"].choices}
    assert str(holder.pk) in choices
    assert str(outsider.pk) not in choices

    data = {
        "holder": holder.pk,
        "module": "",
        "title": "Violences conjugales : repérage",
        "issuer_name": "Pôle Ressources",
        "issued_on": "14/10/2025",
        "hours": "6,5",
        "reference": "PR-2025-118",
        "valid_until": "",
    }
    # Not a real PDF, a date in the future, someone outside the scope: refused, in words.
    fake = SimpleUploadedFile("scan.pdf", b"hello", content_type="application/pdf")
    refused = client.post(url, {**data, "scan": fake})
    assert refused.status_code == 200
    assert "scan" in refused.context["form"].errors
    future = (timezone.localdate() + dt.timedelta(days=3)).strftime("%d/%m/%Y")
    refused = client.post(url, {**data, "issued_on": future, "holder": outsider.pk})
    assert set(refused.context["form"].errors) == {"issued_on", "holder"}
    assert not Certificate.objects.filter(reference="PR-2025-118").exists()

    scan = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    response = client.post(url, {**data, "scan": scan})
    certificate = Certificate.objects.get(reference="PR-2025-118")
    assert response.status_code == 302 and response["Location"] == _inspect(certificate)
    assert certificate.kind == CertificateKind.EXTERNAL
    assert certificate.holder == holder
    assert certificate.hours == Decimal("6.5")
    assert certificate.valid_from == dt.date(2025, 10, 14)
    assert certificate.issued_by.username == "coord-esneux"
    assert AuditEntry.objects.filter(action="certificate.external").exists()

    page = client.get(_inspect(certificate)).content.decode()
    scan_url = reverse("certificates:scan", args=[certificate.pk])
    assert scan_url in page
    assert reverse("certificates:pdf", args=[certificate.pk]) not in page
    assert reverse("certificates_registry:reissue", args=[certificate.pk]) not in page
    download = client.get(scan_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


# --- export ----------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_export_is_scoped_filtered_neutralised_and_audited(registry, sign_in):
    mine, theirs = registry["esneux"], registry["aywaille"]
    (holder,) = _people(1)
    external = services.record_external(
        holder=holder,
        module=None,
        title="Formation externe",
        issuer_name='=HYPERLINK("http://example.invalid")',
        issued_on=dt.date(2025, 3, 1),
        hours=Decimal(3),
        reference="+32 4 123 45 67",
    )
    client = sign_in("coord-esneux")

    index = client.get(reverse("certificates_registry:index"), {"kind": "external"})
    export_url = reverse("certificates_registry:export")
    assert f"{export_url}?kind=external" in index.content.decode()

    response = client.get(export_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    numbers = {row[0] for row in rows[1:]}
    assert mine.serial in numbers and theirs.serial not in numbers
    assert "'+32 4 123 45 67" in numbers  # a phone number is a formula to a spreadsheet
    line = next(row for row in rows if row[0] == "'+32 4 123 45 67")
    assert line[4].startswith("'=")
    issued = timezone.localtime(mine.issued_at).strftime("%d/%m/%Y %H:%M")
    assert next(row for row in rows if row[0] == mine.serial)[6] == issued  # Brussels time
    entry = AuditEntry.objects.filter(action="export.certificates").latest("pk")
    assert entry.object_type == "maillage_certificates.certificate"
    assert entry.actor_key

    filtered = _csv(client.get(export_url, {"kind": "external"}))
    assert {row[0] for row in filtered[1:]} >= {"'+32 4 123 45 67"}
    assert mine.serial not in {row[0] for row in filtered[1:]}
    assert external.pk


def test_the_export_is_refused_without_the_export_permission(registry, client):
    """A commune coordinator without a commune may open the admin but exports nothing."""
    user = get_user_model().objects.create_user("coord-sans-commune", password=PASSWORD)
    user.groups.add(Group.objects.get(name=roles.COMMUNE_COORDINATOR.name))
    assert client.login(username="coord-sans-commune", password=PASSWORD)
    client.cookies["maillage_language"] = "en"
    refused = client.get(reverse("certificates_registry:export"))
    assert refused.status_code == 403
    assert not refused.has_header("Content-Disposition")
    assert not AuditEntry.objects.filter(action="export.certificates").exists()


# --- filters and query counts ----------------------------------------------------------------


def test_filters_by_state_kind_run_and_expiry(registry, sign_in):
    mine = registry["esneux"]
    client = sign_in("coord-esneux")
    index = reverse("certificates_registry:index")

    def numbers(**query):
        response = client.get(index, query)
        assert response.status_code == 200
        return {c.serial for c in response.context["object_list"]}

    assert mine.serial in numbers(run=registry["esneux_run"].pk, status="valid")
    assert mine.serial not in numbers(status="revoked")
    assert mine.serial in numbers(this_year="true")
    Certificate.objects.filter(pk=mine.pk).update(
        valid_until=timezone.localdate() + dt.timedelta(days=20)
    )
    assert mine.serial in numbers(expiring="true")
    Certificate.objects.filter(pk=mine.pk).update(
        valid_from=timezone.localdate() - dt.timedelta(days=400),
        valid_until=timezone.localdate() - dt.timedelta(days=1),
    )
    assert mine.serial in numbers(status="expired")
    assert mine.serial not in numbers(status="valid")
    assert mine.serial not in numbers(expiring="true")
    assert mine.serial in numbers(q=mine.holder_name.split()[-1])


@pytest.mark.parametrize("size", [2, 6])
def test_the_registry_listing_makes_the_same_queries_whatever_its_size(
    demo_data, sign_in, django_assert_max_num_queries, size
):
    the_module = module(title="Module compté", code=f"ADM-Q-{size}")
    template(the_module)
    the_run = run(the_module, capacity=10)
    people = _people(size, managed=False)  # their certificates are of an Esneux run
    for person in people:
        _issue(the_run, person)
    client = sign_in("coord-esneux")
    url = reverse("certificates_registry:index")
    with django_assert_max_num_queries(19):
        response = client.get(url, {"run": the_run.pk})
    assert len(response.context["object_list"]) == size


# --- the review queue ------------------------------------------------------------------------


def test_the_review_queue_issues_and_declines(demo_data, committed, sign_in):
    the_module = module(title="Animer un groupe de parole", code="ADM-REV")
    template(the_module, mode=IssueMode.REVIEW)
    the_run = run(the_module)
    first, second = _people(2)
    complete(the_run, [first, second], committed)
    to_issue = IssueRequest.objects.get(holder=first, run=the_run)
    to_decline = IssueRequest.objects.get(holder=second, run=the_run)
    client = sign_in("coord-esneux")

    queue = client.get(reverse("certificates_requests:index"))
    assert queue.status_code == 200
    text = queue.content.decode()
    assert reverse("certificates_requests:issue", args=[to_issue.pk]) in text
    assert reverse("certificates_requests:decline", args=[to_decline.pk]) in text

    issue_url = reverse("certificates_requests:issue", args=[to_issue.pk])
    assert client.get(issue_url).status_code == 200
    assert client.post(issue_url).status_code == 302
    to_issue.refresh_from_db()
    assert to_issue.status == RequestStatus.ISSUED
    assert to_issue.certificate.holder == first
    again = client.post(issue_url, follow=True)
    assert "Someone already decided on this certificate." in [
        str(m) for m in again.context["messages"]
    ]

    decline_url = reverse("certificates_requests:decline", args=[to_decline.pk])
    refused = client.post(decline_url, {"reason": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["reason"]
    assert client.post(decline_url, {"reason": "Absente l'après-midi"}).status_code == 302
    to_decline.refresh_from_db()
    assert (to_decline.status, to_decline.reason) == (
        RequestStatus.DECLINED,
        "Absente l'après-midi",
    )
    assert not Certificate.objects.filter(holder=second, run=the_run).exists()

    # Pending requests come first.
    pending_module = module(title="Module en attente", code="ADM-REV-2")
    template(pending_module, mode=IssueMode.REVIEW)
    pending_run = run(pending_module)
    (third,) = _people(1)
    complete(pending_run, [third], committed)
    rows = list(client.get(reverse("certificates_requests:index")).context["object_list"])
    statuses = [r.status for r in rows]
    assert statuses == sorted(statuses, key=lambda s: s != RequestStatus.PENDING)


def test_the_review_queue_hides_other_communes_requests(demo_data, sign_in):
    the_module = module(title="Module d'Aywaille", code="ADM-REV-A")
    the_template = template(the_module, mode=IssueMode.REVIEW)
    the_run = run(the_module, commune_name="Aywaille")
    (person,) = _outsiders(1)
    request = IssueRequest.objects.create(
        template=the_template, holder=person, run=the_run, commune=the_run.commune
    )
    client = sign_in("coord-esneux")
    assert request.pk not in [
        r.pk for r in client.get(reverse("certificates_requests:index")).context["object_list"]
    ]
    for name in ("issue", "decline"):
        url = reverse(f"certificates_requests:{name}", args=[request.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x"}).status_code == 404
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


# --- bulk issuing ----------------------------------------------------------------------------


@pytest.fixture
def finished_run(demo_data, committed):
    """A run with two completions and one person who did not complete, then a template."""
    the_module = module(title="Repérer et orienter", code="ADM-BULK")
    the_run = run(the_module, capacity=10)
    first, second, absent = _people(3)
    lms_services.enrol(absent, the_run)
    complete(the_run, [first, second], committed)  # no template yet: no certificate
    template(the_module, months=36)
    return {"run": the_run, "completed": [first, second], "absent": absent}


def test_bulk_issue_previews_issues_in_the_background_and_zips(finished_run, committed, sign_in):
    the_run = finished_run["run"]
    first, second = finished_run["completed"]
    client = sign_in("coord-esneux")
    preview_url = reverse("certificates_bulk:preview", args=[the_run.pk])

    preview = client.get(preview_url)
    assert preview.status_code == 200
    rows = {row["name"]: row for row in preview.context["rows"]}
    assert rows[first.get_full_name()]["will_issue"]
    assert rows[second.get_full_name()]["will_issue"]
    absent = rows[finished_run["absent"].get_full_name()]
    assert not absent["will_issue"] and "not completed" in absent["reason"]
    assert "Issue 2 certificates" in preview.content.decode()

    with committed():
        response = client.post(preview_url)
    bulk = BulkIssue.objects.get(run=the_run)
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates_bulk:progress", args=[bulk.pk])
    assert (bulk.status, bulk.total, bulk.done, bulk.issued) == (BulkIssueStatus.DONE, 2, 2, 2)
    assert set(
        Certificate.objects.current().filter(run=the_run).values_list("holder_id", flat=True)
    ) == {first.pk, second.pk}

    progress = client.get(response["Location"])
    text = progress.content.decode()
    assert "<progress" in text and 'value="100"' in text
    assert "network/js/progress.js" in text
    assert _inline_scripts(text) == []
    assert reverse("certificates_registry:index") + f"?run={the_run.pk}" in text
    status = client.get(reverse("certificates_bulk:status", args=[bulk.pk])).json()
    assert {k: status[k] for k in ("status", "done", "total", "issued", "percent")} == {
        "status": "done",
        "done": 2,
        "total": 2,
        "issued": 2,
        "percent": 100,
    }

    # Again: nobody gets a second certificate.
    preview = client.get(preview_url)
    assert preview.context["count"] == 0
    with committed():
        client.post(preview_url)
    assert Certificate.objects.filter(run=the_run).count() == 2

    archive = client.get(reverse("certificates_bulk:zip", args=[the_run.pk]))
    assert archive.status_code == 200 and archive["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        names = opened.namelist()
        assert len(names) == 2
        serials = set(Certificate.objects.filter(run=the_run).values_list("serial", flat=True))
        assert all(any(name.startswith(f"{serial}-") for name in names) for serial in serials)
        assert all(opened.read(name).startswith(b"%PDF") for name in names)
    assert AuditEntry.objects.filter(action="certificate.zip").exists()


def test_bulk_issue_of_another_commune_answers_404(demo_data, sign_in):
    the_module = module(title="Module d'ailleurs", code="ADM-BULK-A")
    template(the_module)
    the_run = run(the_module, commune_name="Aywaille")
    bulk = BulkIssue.objects.create(run=the_run, status=BulkIssueStatus.DONE)
    client = sign_in("coord-esneux")
    for url in (
        reverse("certificates_bulk:preview", args=[the_run.pk]),
        reverse("certificates_bulk:zip", args=[the_run.pk]),
        reverse("certificates_bulk:progress", args=[bulk.pk]),
        reverse("certificates_bulk:status", args=[bulk.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("certificates_bulk:preview", args=[the_run.pk])).status_code == 404
    assert BulkIssue.objects.filter(run=the_run).count() == 1


def test_bulk_issue_without_a_template_says_so(demo_data, committed, sign_in):
    the_run = run(module(title="Sans modèle", code="ADM-BULK-N"))
    client = sign_in("coord-esneux")
    url = reverse("certificates_bulk:preview", args=[the_run.pk])
    assert "no certificate template in use" in client.get(url).content.decode()
    with committed():
        response = client.post(url, follow=True)
    assert response.status_code == 200
    assert any("no certificate template" in str(m) for m in response.context["messages"])
    assert not BulkIssue.objects.filter(run=the_run).exists()


def test_the_run_page_offers_the_certificate_buttons_to_its_coordinator(registry, sign_in):
    the_run = registry["esneux_run"]
    page = sign_in("coord-esneux").get(reverse("lms_runs:inspect", args=[the_run.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert reverse("certificates_bulk:preview", args=[the_run.pk]) in text
    assert reverse("certificates_bulk:zip", args=[the_run.pk]) in text
    assert "Issue certificates" in text


# --- templates -------------------------------------------------------------------------------


def test_templates_are_the_network_coordinations(demo_data, sign_in):
    the_module = module(title="Module à attester", code="ADM-TPL")
    client = sign_in("coordination")
    add = reverse("certificates_templates:add")
    form = client.get(add)
    assert form.status_code == 200
    assert "{nom}" in form.content.decode()  # the placeholders are listed

    data = {
        "name": "Attestation ADM-TPL",
        "module": the_module.pk,
        "path": "",
        "title": "Attestation de formation",
        "body": "{nom} a suivi {formation} en {ville}.",
        "signatory_name": "Claire Dumont",
        "signatory_title": "",
        "signature": "",
        "logo": "",
        "validity_months": "",
        "issue_mode": IssueMode.AUTOMATIC,
        "active": "on",
    }
    refused = client.post(add, data)
    assert refused.status_code == 200
    assert "{ville}" in str(refused.context["form"].errors["body"])
    refused = client.post(add, {**data, "body": "{nom}", "module": ""})
    assert [str(e) for e in refused.context["form"].non_field_errors()] == [
        "Choose either a module or a path."
    ]
    assert client.post(add, {**data, "body": "{nom} a suivi {formation}."}).status_code == 302
    created = CertificateTemplate.objects.get(name="Attestation ADM-TPL")

    client = sign_in("coord-esneux")
    assert client.get(reverse("certificates_templates:list")).status_code == 200
    assert (
        client.get(reverse("certificates_templates:inspect", args=[created.pk])).status_code == 200
    )
    assert client.get(reverse("certificates_templates:edit", args=[created.pk])).status_code in (
        403,
        404,
    )
    refused = client.get(add)
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")  # Wagtail's 403


def test_a_template_that_was_used_is_not_deleted(registry, sign_in):
    used = registry["esneux"].template
    client = sign_in("coordination")
    response = client.post(reverse("certificates_templates:delete", args=[used.pk]), follow=True)
    assert response.status_code == 200
    assert CertificateTemplate.objects.filter(pk=used.pk).exists()
    assert any("cannot be deleted" in str(m) for m in response.context["messages"])


# --- in a browser ----------------------------------------------------------------------------


@pytest.fixture
def site(live_server, migrated_data):
    from django.core.management import call_command

    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    return live_server.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_progress_page_follows_the_bulk_issue_without_inline_script(page, site):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    the_run = run(module(title="Suivi en direct", code="ADM-LIVE"))
    bulk = BulkIssue.objects.create(
        run=the_run, status=BulkIssueStatus.RUNNING, total=4, done=1, issued=1
    )
    page.context.add_cookies([{"name": "maillage_language", "value": "en", "url": site}])
    page.goto(site + "/admin/login/")
    page.locator("#id_username").fill("coord-esneux")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(site + "/admin/")

    page.goto(site + reverse("certificates_bulk:progress", args=[bulk.pk]))
    bar = page.locator("progress")
    expect(bar).to_have_attribute("value", "25")
    expect(page.get_by_role("link", name="Download all (ZIP)")).to_be_hidden()
    BulkIssue.objects.filter(pk=bulk.pk).update(status=BulkIssueStatus.DONE, done=4, issued=3)
    expect(page.get_by_role("status").filter(has_text="Done")).to_have_text(
        "Done: 3 certificates issued out of 4."
    )
    expect(bar).to_have_js_property("value", 100)
    expect(page.get_by_role("link", name="Download all (ZIP)")).to_be_visible()
    results = Axe().run(
        page,
        context={"include": [["#main"]]},
        options={
            "resultTypes": ["violations"],
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        },
    )
    serious = [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
