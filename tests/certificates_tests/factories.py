"""Helpers to build certificates in tests: a template, a completed enrolment."""

from __future__ import annotations

import time_machine

from certificates.models import CertificateTemplate, IssueMode
from lms import services as lms_services
from lms.models import AttendanceStatus
from lms.services import Mark
from tests.lms_tests.factories import module, pros, run, user


def template(of=None, *, path=None, mode=IssueMode.AUTOMATIC, months=None, **fields):
    fields.setdefault("name", f"Attestation {(of or path).title}")
    fields.setdefault("signatory_name", "Anne Dubois")
    fields.setdefault("signatory_title", "Coordinatrice du réseau")
    return CertificateTemplate.objects.create(
        module=of, path=path, issue_mode=mode, validity_months=months, **fields
    )


def complete(the_run, people, committed, by: str = "coord-esneux"):
    """Enrol `people` in `the_run` and mark them present at every session (marked by `by`)."""
    enrolments = [lms_services.enrol(person, the_run) for person in people]
    coordinator = user(by)
    with committed():
        for session in the_run.sessions().order_by("start"):
            with time_machine.travel(session.end, tick=False):
                lms_services.mark_attendance(
                    session,
                    {e.pk: Mark(AttendanceStatus.PRESENT) for e in enrolments},
                    actor=coordinator,
                )
    for enrolment in enrolments:
        enrolment.refresh_from_db()
    return enrolments


__all__ = ["complete", "module", "pros", "run", "template", "user"]
