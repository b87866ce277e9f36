"""Regressions of the review of the certificates app: scope by the certificate's commune,
reminders to its coordinators only, one certificate per person and run under concurrency,
revoked certificates not issued again, stale bulk issues, hostile URLs, erasure of free text."""

import datetime as dt
import logging
from functools import partial

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from certificates import exceptions, services
from certificates.models import (
    BulkIssue,
    BulkIssueStatus,
    Certificate,
    CertificateStatus,
    IssueMode,
    IssueRequest,
    RequestStatus,
)
from hub.logging import redact
from network.models import MemberProfile
from network.permissions import visible
from network.privacy_services import erase_person
from tests.lms_tests.helpers import race

from .factories import complete, module, run, template, user
from .support import issue_one, newcomers

pytestmark = pytest.mark.django_db


def _unmanaged_by_esneux(count: int) -> list:
    """Professionals of organisations serving Esneux and other communes (police, hospital):
    coord-esneux does not manage them as members."""
    managed = visible(user("coord-esneux"), MemberProfile, "change").values("pk")
    profiles = (
        MemberProfile.objects.filter(
            user__username__startswith="pro-", organisation__communes__name="Esneux"
        )
        .exclude(pk__in=managed)
        .exclude(user__certificates__isnull=False)
        .select_related("user")
        .distinct()
    )
    people = [p.user for p in profiles][:count]
    assert len(people) == count
    return people


def test_a_commune_coordinator_cannot_act_on_another_communes_run_certificate(
    demo_data, committed, client
):
    (officer,) = _unmanaged_by_esneux(1)
    the_module = module()
    template(the_module)
    (enrolment,) = complete(
        run(the_module, commune_name="Aywaille"), [officer], committed, by="coordination"
    )
    certificate = Certificate.objects.get(holder=officer, module=the_module)
    client.force_login(user("coord-esneux"))
    assert (
        client.get(reverse("certificates_registry:inspect", args=[certificate.pk])).status_code
        == 404
    )
    response = client.post(
        reverse("certificates_registry:revoke", args=[certificate.pk]), {"reason": "test"}
    )
    assert response.status_code == 404
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    assert client.get(reverse("certificates:pdf", args=[certificate.pk])).status_code == 404


def test_expiry_reminders_go_to_the_coordinators_of_the_certificates_commune_only(
    demo_data, committed
):
    (officer,) = _unmanaged_by_esneux(1)
    issued = issue_one(committed, months=1, person=officer)
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + dt.timedelta(days=5)):
        services.send_expiry_reminders()
    recipients = {address for message in mail.outbox for address in message.to}
    coordinators = {
        p.user.email
        for p in MemberProfile.objects.filter(
            user__groups__name__icontains="communal", communes__name="Esneux"
        ).select_related("user")
    }
    assert issued.run.commune.name == "Esneux"
    assert recipients == {officer.email} | coordinators
    assert user("coord-esneux").email in recipients


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_issues_for_one_person_and_run_give_one_certificate(
    migrated_data, demo_data, committed
):
    the_module = module()
    (person,) = newcomers(1)
    (enrolment,) = complete(run(the_module), [person], committed)
    template(the_module)
    coordinator = user("coord-esneux")
    mail.outbox.clear()
    with committed():
        errors = race([partial(services.issue_by_hand, enrolment, actor=coordinator)] * 4)
    assert Certificate.objects.filter(holder=person, module=the_module).count() == 1
    assert len(errors) == 3 and all("AlreadyIssued" in error for error in errors), errors


def test_a_revoked_certificate_is_not_issued_again(demo_data, committed):
    issued = issue_one(committed)
    services.revoke(issued.certificate, actor=user("coordination"), reason="Fraude")
    (row,) = [c for c in services.bulk_preview(issued.run) if c.enrolment.pk == issued.enrolment.pk]
    assert not row.will_issue and "révoquée" in row.reason
    with pytest.raises(exceptions.WasRevoked):
        services.issue_by_hand(issued.enrolment, actor=user("coordination"))
    assert Certificate.objects.filter(holder=issued.holder, run=issued.run).count() == 1


def test_revoke_and_reissue_check_each_other_under_the_lock(demo_data, committed):
    issued = issue_one(committed)
    stale = Certificate.objects.get(pk=issued.certificate.pk)
    services.revoke(issued.certificate, actor=user("coordination"), reason="Erreur")
    with pytest.raises(exceptions.AlreadyRevoked):
        services.reissue(stale, actor=user("coordination"))

    other = issue_one(committed)
    old = Certificate.objects.get(pk=other.certificate.pk)
    services.reissue(other.certificate, actor=user("coordination"), notify=False)
    with pytest.raises(exceptions.AlreadySuperseded):
        services.revoke(old, actor=user("coordination"), reason="Erreur")


def test_a_bulk_issue_answers_the_request_waiting_for_review(demo_data, committed):
    the_module = module()
    template(the_module, mode=IssueMode.REVIEW)
    the_run = run(the_module)
    (person,) = newcomers(1)
    complete(the_run, [person], committed)
    request = IssueRequest.objects.get(holder=person)
    with committed():
        services.start_bulk_issue(the_run, actor=user("coordination"))
    request.refresh_from_db()
    assert request.status == RequestStatus.ISSUED
    assert request.certificate == Certificate.objects.get(holder=person, run=the_run)


def test_a_reissue_with_the_same_expiry_is_not_reminded_again(demo_data, committed):
    issued = issue_one(committed, months=1)
    with time_machine.travel(timezone.now() + dt.timedelta(days=5)):
        services.send_expiry_reminders()
        new = services.reissue(issued.certificate, actor=user("coordination"), notify=False)
        assert new.valid_until == issued.certificate.valid_until
        mail.outbox.clear()
        assert services.send_expiry_reminders() == 0
    assert mail.outbox == []


def test_a_stale_bulk_issue_does_not_block_its_run(demo_data, committed):
    issued = issue_one(committed)
    stale = BulkIssue.objects.create(
        run=issued.run,
        status=BulkIssueStatus.RUNNING,
        created_at=timezone.now() - dt.timedelta(days=2),
    )
    fresh = services.start_bulk_issue(issued.run, actor=user("coordination"))
    assert fresh.pk != stale.pk
    stale.refresh_from_db()
    assert stale.status == BulkIssueStatus.FAILED
    # A bulk already claimed is not run twice.
    assert services.run_bulk_issue(stale.pk).status == BulkIssueStatus.FAILED


def test_hostile_open_badges_urls_answer_404(client, demo_data):
    huge = 10**20
    assert client.get(f"/attestations/realisations/module/{huge}/").status_code == 404
    assert client.get(f"/attestations/statuts/{huge}/").status_code == 404
    assert client.get("/attestations/statuts/0/").status_code == 200


def test_erasure_scrubs_the_holders_name_from_the_revocation_reason(demo_data, committed):
    issued = issue_one(committed)
    name = issued.holder.get_full_name()
    services.revoke(
        issued.certificate, actor=user("coordination"), reason=f"Demande de {name} elle-même"
    )
    erase_person(issued.holder)
    certificate = Certificate.objects.get(pk=issued.certificate.pk)
    assert name not in certificate.revocation_reason
    assert certificate.revocation_reason.startswith("Demande de")


def test_verification_codes_are_redacted_from_logs():
    line = "Not Found: /attestations/verifier/Lxwu0w4e9h0qpYAr_t0vBYYB/"
    assert "Lxwu0w4e9h0qpYAr_t0vBYYB" not in redact(line)
    assert logging.getLogger("django.request")  # the filter is attached by LOGGING


def test_a_coordinator_issues_one_persons_certificate_by_hand(demo_data, committed, client):
    the_module = module()
    the_run = run(the_module)
    (person,) = newcomers(1)
    (enrolment,) = complete(the_run, [person], committed)
    template(the_module)  # made after completion: nothing issued automatically
    assert not Certificate.objects.filter(holder=person, run=the_run).exists()
    client.force_login(user("coord-esneux"))
    url = reverse("certificates_bulk:preview", args=[the_run.pk])
    assert f'value="{enrolment.pk}"' in client.get(url).content.decode()
    mail.outbox.clear()
    with committed():
        response = client.post(url, {"enrolment": enrolment.pk}, follow=True)
    assert response.status_code == 200
    certificate = Certificate.objects.get(holder=person, run=the_run)
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert certificate.serial in str(list(response.context["messages"])[0])
    # Someone of another run is refused with a message, nothing issued.
    response = client.post(url, {"enrolment": "999999"}, follow=True)
    assert response.status_code == 200
