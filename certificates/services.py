"""Issuing, revoking, re-issuing and recording certificates; the review queue; bulk issuing;
anonymisation on erasure; expiry reminders. Typed, atomic, no request."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from lms.models import (
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    ModulePage,
    PathCompletion,
    TrainingPathPage,
)
from network import audit
from network.privacy import ERASED_LABEL, name_variants

from . import exceptions, openbadges, pdf
from .models import (
    BulkIssue,
    BulkIssueStatus,
    Certificate,
    CertificateKind,
    CertificateStatus,
    CertificateTemplate,
    Counter,
    FrozenImage,
    IssueMode,
    IssueRequest,
    RequestStatus,
    fill_placeholders,
)

logger = logging.getLogger(__name__)
LANGUAGE = "fr"  # what a certificate says is frozen in French
EXPIRY_NOTICE_DAYS = 60


# --- numbering -------------------------------------------------------------------------------


def _next_value(name: str) -> int:
    """Increment a counter inside the caller's transaction: the row stays locked until it
    commits, and a rollback gives the number back, so numbers have no gap."""
    for _attempt in range(3):
        if Counter.objects.filter(name=name).update(value=F("value") + 1):
            return Counter.objects.get(name=name).value
        try:
            with transaction.atomic():
                Counter.objects.create(name=name, value=1)
            return 1
        except IntegrityError:
            continue  # another transaction created it first: increment theirs
    raise RuntimeError(f"counter {name} unavailable")


def next_serial(year: int) -> str:
    return f"MAIL-{year}-{_next_value(f'serial-{year}'):06d}"


# --- frozen content --------------------------------------------------------------------------


def _freeze_image(image) -> str:
    """Keep the bytes of a template's image, so a later change of the image changes nothing."""
    if image is None:
        return ""
    try:
        with image.open_file() as handle:
            data = handle.read()
    except (OSError, ValueError):
        logger.warning("certificate image %s unreadable", image.pk)
        return ""
    digest = hashlib.sha256(data).hexdigest()
    FrozenImage.objects.get_or_create(sha256=digest, defaults={"data": data})
    return digest


NBSP = "\u00a0"


def french_spacing(text: str) -> str:
    """No line break inside « » nor before : ; ? ! (the PDF breaks lines at plain spaces)."""
    for plain, kept in (
        ("« ", "«" + NBSP),
        (" »", NBSP + "»"),
        (" :", NBSP + ":"),
        (" ;", NBSP + ";"),
        (" ?", NBSP + "?"),
        (" !", NBSP + "!"),
    ):
        text = text.replace(plain, kept)
    return text


def _date(day: dt.date | None) -> str:
    return formats.date_format(day, "DATE_FORMAT") if day else ""


def _hours(value: Decimal) -> str:
    return formats.number_format(value.normalize() if value == value.to_integral() else value)


def _run_dates(run: CourseRun | None, fallback: dt.date) -> str:
    if run is None or run.starts_at is None:
        return _("on %(date)s") % {"date": _date(fallback)}
    first = timezone.localdate(run.starts_at)
    last = timezone.localdate(run.ends_at) if run.ends_at else first
    if first == last:
        return _("on %(date)s") % {"date": _date(first)}
    return _("from %(first)s to %(last)s") % {"first": _date(first), "last": _date(last)}


def _place(run: CourseRun | None) -> str:
    if run is None:
        return ""
    if run.venue is None:
        return _("online")
    return run.venue.commune.name


def _criteria(template: CertificateTemplate) -> str:
    if template.module is not None:
        return _("Attend at least %(percent)s%% of the hours of the training.") % {
            "percent": template.module.completion_threshold
        }
    return _("Complete the required modules of the path and the electives it asks for.")


@dataclass(frozen=True)
class Achieved:
    """What a certificate is for: a module (with its run) or a path."""

    template: CertificateTemplate
    run: CourseRun | None
    path: TrainingPathPage | None
    hours: Decimal
    completed_on: dt.date

    @property
    def module(self) -> ModulePage | None:
        return self.template.module if self.template.module_id else None

    @property
    def title(self) -> str:
        return (self.module or self.path or self.template).title


def _holder_name(holder) -> str:
    return holder.get_full_name().strip() or holder.get_username()


def freeze_images(template: CertificateTemplate) -> tuple[str, str]:
    """The template's logo and signature, frozen (their SHA-256)."""
    return _freeze_image(template.logo), _freeze_image(template.signature)


def freeze(
    achieved: Achieved,
    holder,
    *,
    serial: str,
    issued_on: dt.date,
    valid_until: dt.date | None,
    images: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The text, images and facts of a certificate as they are at issue."""
    template = achieved.template
    logo, signature = images if images is not None else freeze_images(template)
    with translation.override(LANGUAGE):
        module = achieved.module
        values = {
            "nom": _holder_name(holder),
            "formation": achieved.title,
            "heures": _hours(achieved.hours),
            "dates": _run_dates(achieved.run, achieved.completed_on),
            "lieu": _place(achieved.run),
            "organisme": (module.provider if module else "") or openbadges.issuer_name(),
        }
        return {
            "title": template.title,
            "holder_name": values["nom"],
            "body": french_spacing(fill_placeholders(template.body, values)),
            "achievement": achieved.title,
            "achievement_description": (
                module.summary if module else (achieved.path.intro if achieved.path else "")
            ),
            "criteria": _criteria(template),
            "hours": values["heures"],
            "dates": values["dates"],
            "place": values["lieu"],
            "provider": values["organisme"],
            "signatory_name": template.signatory_name,
            "signatory_title": template.signatory_title,
            "logo": logo,
            "signature": signature,
            "issuer": openbadges.issuer_name(),
            "serial": serial,
            "issued_line": _("Issued on %(date)s, number %(serial)s")
            % {"date": _date(issued_on), "serial": serial},
            "validity_line": (
                _("Valid until %(date)s") % {"date": _date(valid_until)}
                if valid_until
                else _("Does not expire")
            ),
            "verify_line": _("Check this certificate: scan the code or go to"),
        }


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


# --- issuing ---------------------------------------------------------------------------------


def template_for(*, module=None, path=None) -> CertificateTemplate | None:
    queryset = CertificateTemplate.objects.filter(active=True).select_related(
        "module", "path", "logo", "signature"
    )
    if module is not None:
        return queryset.filter(module=module).first()
    return queryset.filter(path=path).first()


def _lock_holder(holder) -> None:
    """Issuing for a person is serialised on their account row (a row lock on PostgreSQL;
    SQLite's IMMEDIATE transactions serialise writers already): a completion, a bulk issue
    and a coordinator's click cannot issue the same certificate twice."""
    list(
        get_user_model()
        .objects.select_for_update()
        .filter(pk=holder.pk)
        .values_list("pk", flat=True)
    )


def standing_certificate(holder, *, run=None, path=None) -> Certificate | None:
    """What stops another certificate for this run or path: a current one, or a revoked one
    (a revoked certificate is not issued again behind the coordinator's back)."""
    queryset = Certificate.objects.filter(
        holder=holder, kind=CertificateKind.ISSUED, superseded_by__isnull=True
    ).order_by("status")  # "revoked" < "valid": a valid one wins below
    queryset = (
        queryset.filter(run=run)
        if run is not None
        else queryset.filter(path=path, run__isnull=True)
    )
    found = list(queryset)
    valid = [c for c in found if c.status == CertificateStatus.VALID]
    return (valid or found)[0] if found else None


def current_certificate(holder, *, run=None, path=None) -> Certificate | None:
    """The holder's certificate for this run or path that is neither revoked nor replaced."""
    queryset = Certificate.objects.current().filter(holder=holder, kind=CertificateKind.ISSUED)
    if run is not None:
        return queryset.filter(run=run).first()
    return queryset.filter(path=path, run__isnull=True).first()


def _path_hours(path: TrainingPathPage, holder) -> Decimal:
    from lms.services import completed_module_ids

    done = completed_module_ids(holder)
    return sum(
        (
            link.module.hours
            for link in path.path_modules.select_related("module")
            if link.module_id in done
        ),
        Decimal(0),
    )


def achieved_module(enrolment: Enrolment, template: CertificateTemplate) -> Achieved:
    completed = enrolment.completed_at or timezone.now()
    return Achieved(
        template=template,
        run=enrolment.run,
        path=None,
        hours=enrolment.run.module.hours,
        completed_on=timezone.localdate(completed),
    )


def achieved_path(
    path: TrainingPathPage, holder, template: CertificateTemplate, completed_at: dt.datetime
) -> Achieved:
    return Achieved(
        template=template,
        run=None,
        path=path,
        hours=_path_hours(path, holder),
        completed_on=timezone.localdate(completed_at),
    )


def issue(
    achieved: Achieved,
    holder,
    *,
    actor=None,
    origin: str = "system",
    notify: bool = True,
    supersedes: Certificate | None = None,
    images: tuple[str, str] | None = None,
) -> Certificate:
    """Issue one certificate: numbered without gaps, frozen, signed, audited, e-mailed.

    `images`: the template's frozen images when the caller froze them once for many."""
    if holder is None or not holder.is_active:
        raise exceptions.NoHolder
    now = timezone.now()
    issued_on = timezone.localdate(now)
    template = achieved.template
    with transaction.atomic():
        _lock_holder(holder)
        if supersedes is None:
            existing = standing_certificate(holder, run=achieved.run, path=achieved.path)
            if existing is not None and existing.status == CertificateStatus.REVOKED:
                raise exceptions.WasRevoked(serial=existing.serial or "")
            if existing is not None:
                raise exceptions.AlreadyIssued(serial=existing.serial or "")
        valid_from = supersedes.valid_from if supersedes else issued_on
        valid_until = (
            _add_months(valid_from, template.validity_months) if template.validity_months else None
        )
        serial = next_serial(issued_on.year)
        certificate = Certificate(
            kind=CertificateKind.ISSUED,
            holder=holder,
            template=template,
            module=achieved.module,
            path=achieved.path,
            run=achieved.run,
            commune_id=achieved.run.commune_id if achieved.run else None,
            title=achieved.title,
            hours=achieved.hours,
            issued_at=now,
            issued_by=actor,
            valid_from=valid_from,
            valid_until=valid_until,
            serial=serial,
            status_index=_next_value("status-list") - 1,
        )
        certificate.content = freeze(
            achieved,
            holder,
            serial=serial,
            issued_on=issued_on,
            valid_until=valid_until,
            images=images,
        )
        if supersedes is not None:
            certificate.content["supersedes"] = supersedes.serial
            if supersedes.valid_until == valid_until:
                # Same expiry: a reminder already sent is not sent again.
                certificate.expiry_reminded_at = supersedes.expiry_reminded_at
        certificate.save()
        certificate.credential = openbadges.signed_credential(certificate, email=holder.email)
        certificate.save(update_fields=["credential"])
        if supersedes is not None:
            Certificate.objects.filter(pk=supersedes.pk).update(superseded_by=certificate)
            supersedes.superseded_by = certificate
            pdf.forget(supersedes)
        audit.record(
            "certificate.reissue" if supersedes else "certificate.issue",
            certificate,
            actor=actor,
            origin=origin,
        )
        # A request waiting for review is answered by this certificate (a bulk issue, say).
        pending = (
            IssueRequest.objects.filter(
                holder=holder,
                template=template,
                run=achieved.run,
                status=RequestStatus.PENDING,
                certificate__isnull=True,
            )
            .values_list("pk", flat=True)
            .first()
        )
        if pending is not None:
            IssueRequest.objects.filter(pk=pending).update(
                status=RequestStatus.ISSUED,
                decided_at=now,
                decided_by=actor,
                certificate=certificate,
            )
        if notify:
            _email_later(certificate)
    return certificate


def _email_later(certificate: Certificate) -> None:
    from .tasks import send_certificate_email_task

    pk = certificate.pk
    transaction.on_commit(lambda: send_certificate_email_task.enqueue(pk))


def issue_or_queue(
    achieved: Achieved, holder, *, origin: str = "system"
) -> Certificate | IssueRequest | None:
    """On completion: issue now (automatic template) or queue for review; None if it exists."""
    template = achieved.template
    with transaction.atomic():
        _lock_holder(holder)
        if standing_certificate(holder, run=achieved.run, path=achieved.path) is not None:
            return None
        if template.issue_mode == IssueMode.REVIEW:
            request, created = IssueRequest.objects.get_or_create(
                template=template,
                holder=holder,
                run=achieved.run,
                status=RequestStatus.PENDING,
                defaults={"commune_id": achieved.run.commune_id if achieved.run else None},
            )
            if created:
                from .notifications import later_review_needed

                later_review_needed(request)
            return request
        return issue(achieved, holder, origin=origin)


def on_module_completed(enrolment: Enrolment) -> Certificate | IssueRequest | None:
    """lms' module_completed: a certificate per the module's template, if it has one."""
    template = template_for(module=enrolment.run.module)
    if template is None or not enrolment.person.is_active:
        return None
    return issue_or_queue(achieved_module(enrolment, template), enrolment.person)


def on_path_completed(
    path: TrainingPathPage, person, completion: PathCompletion
) -> Certificate | IssueRequest | None:
    template = template_for(path=path)
    if template is None or not person.is_active:
        return None
    return issue_or_queue(achieved_path(path, person, template, completion.completed_at), person)


def decide_request(
    request: IssueRequest, *, actor, approve: bool, reason: str = "", origin: str = "web"
) -> Certificate | None:
    """A coordinator issues a queued certificate, or declines it with a reason."""
    with transaction.atomic():
        locked = IssueRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != RequestStatus.PENDING:
            raise exceptions.AlreadyDecided
        certificate = None
        if approve:
            try:
                certificate = issue(
                    _achieved_for_request(locked), locked.holder, actor=actor, origin=origin
                )
            except exceptions.AlreadyIssued:
                # Issued meanwhile (a bulk issue): the request is answered by it.
                certificate = current_certificate(
                    locked.holder, run=locked.run, path=locked.template.path
                )
                if (
                    certificate is not None
                    and IssueRequest.objects.filter(certificate=certificate)
                    .exclude(pk=locked.pk)
                    .exists()
                ):
                    certificate = None
        elif not reason.strip():
            raise exceptions.ReasonRequired
        locked.status = RequestStatus.ISSUED if approve else RequestStatus.DECLINED
        locked.decided_at = timezone.now()
        locked.decided_by = actor
        locked.reason = reason.strip()
        locked.certificate = certificate
        locked.save()
        audit.record(
            "certificate.request." + ("issue" if approve else "decline"),
            locked,
            actor=actor,
            origin=origin,
        )
    return certificate


def _achieved_for_request(request: IssueRequest) -> Achieved:
    template = request.template
    if request.run_id:
        enrolment = Enrolment.objects.select_related("run__module", "run__venue__commune").get(
            run=request.run, person=request.holder
        )
        return achieved_module(enrolment, template)
    if template.path is None:
        raise exceptions.NoTemplate
    completion = PathCompletion.objects.filter(path=template.path, person=request.holder).first()
    return achieved_path(
        template.path,
        request.holder,
        template,
        completion.completed_at if completion else request.created_at,
    )


# --- by hand and in bulk ---------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    enrolment: Enrolment
    will_issue: bool
    reason: str
    existing: Certificate | None = None


def bulk_preview(run: CourseRun) -> list[Candidate]:
    """Who of the run gets a certificate, and who does not and why (three queries)."""
    template = template_for(module=run.module)
    existing: dict[int | None, Certificate] = {}
    for c in Certificate.objects.filter(
        run=run, kind=CertificateKind.ISSUED, superseded_by__isnull=True
    ).order_by("-status"):  # "valid" after "revoked": a valid one wins
        existing[c.holder_id] = c
    candidates = []
    for enrolment in (
        Enrolment.objects.filter(run=run)
        .select_related("person", "run__module", "run__venue__commune")
        .order_by("person__last_name", "person__first_name")
    ):
        reason = ""
        found = existing.get(enrolment.person_id)
        if template is None:
            reason = _("The module has no certificate template in use.")
        elif enrolment.status == EnrolmentStatus.NOT_COMPLETED:
            reason = _("Attended less than the module requires (%(percent)s%% of the hours).") % {
                "percent": enrolment.run.module.completion_threshold
            }
        elif enrolment.status != EnrolmentStatus.COMPLETED:
            reason = _("Has not completed it: enrolment %(status)s.") % {
                "status": enrolment.get_status_display().lower()
            }
        elif found is not None and found.status == CertificateStatus.REVOKED:
            reason = _("Certificate %(serial)s was revoked on %(date)s: not issued again.") % {
                "serial": found.serial,
                "date": _date(timezone.localdate(found.revoked_at) if found.revoked_at else None),
            }
        elif found is not None:
            reason = _("Already holds certificate %(serial)s.") % {"serial": found.serial}
        elif not enrolment.person.is_active:
            reason = _("The account is deactivated.")
        candidates.append(Candidate(enrolment, not reason, reason, found))
    return candidates


BULK_STALE_AFTER = dt.timedelta(hours=1)


def start_bulk_issue(run: CourseRun, *, actor) -> BulkIssue:
    """Queue the issuing of every certificate the preview promises; the admin polls it."""
    if template_for(module=run.module) is None:
        raise exceptions.NoTemplate
    with transaction.atomic():
        running = BulkIssue.objects.filter(
            run=run, status__in=[BulkIssueStatus.QUEUED, BulkIssueStatus.RUNNING]
        ).first()
        if running is not None and running.created_at > timezone.now() - BULK_STALE_AFTER:
            return running
        if running is not None:
            # Its worker died or it was never picked up: say so, and start again.
            BulkIssue.objects.filter(pk=running.pk).update(
                status=BulkIssueStatus.FAILED,
                finished_at=timezone.now(),
                error="interrupted",
            )
        bulk = BulkIssue.objects.create(
            run=run,
            requested_by=actor,
            total=sum(1 for c in bulk_preview(run) if c.will_issue),
        )
        audit.record("certificate.bulk_issue", run, actor=actor)
    from .tasks import bulk_issue_task

    transaction.on_commit(lambda: bulk_issue_task.enqueue(bulk.pk))
    return bulk


def run_bulk_issue(bulk_id: int) -> BulkIssue:
    """Issue one certificate per person the preview promises, each in its own transaction,
    saving the progress as it goes; running it again issues nothing twice."""
    bulk = BulkIssue.objects.select_related("run__module", "requested_by").get(pk=bulk_id)
    # Claimed by one worker only; a finished, failed or running bulk is left as it is.
    if not BulkIssue.objects.filter(pk=bulk.pk, status=BulkIssueStatus.QUEUED).update(
        status=BulkIssueStatus.RUNNING
    ):
        return bulk
    template = template_for(module=bulk.run.module)
    try:
        if template is None:
            raise exceptions.NoTemplate
        candidates = [c for c in bulk_preview(bulk.run) if c.will_issue]
        images = freeze_images(template)
        BulkIssue.objects.filter(pk=bulk.pk).update(total=len(candidates) + bulk.done)
        for candidate in candidates:
            try:
                issue(
                    achieved_module(candidate.enrolment, template),
                    candidate.enrolment.person,
                    actor=bulk.requested_by,
                    origin="task",
                    images=images,
                )
                BulkIssue.objects.filter(pk=bulk.pk).update(
                    done=F("done") + 1, issued=F("issued") + 1
                )
            except exceptions.CertificateError:
                BulkIssue.objects.filter(pk=bulk.pk).update(done=F("done") + 1)
        BulkIssue.objects.filter(pk=bulk.pk).update(
            status=BulkIssueStatus.DONE, finished_at=timezone.now()
        )
    except Exception as error:
        BulkIssue.objects.filter(pk=bulk.pk).update(
            status=BulkIssueStatus.FAILED, finished_at=timezone.now(), error=str(error)[:300]
        )
        raise
    bulk.refresh_from_db()
    return bulk


def issue_by_hand(enrolment: Enrolment, *, actor, origin: str = "web") -> Certificate:
    """A coordinator issues one person's certificate for a completed enrolment."""
    if enrolment.status != EnrolmentStatus.COMPLETED:
        raise exceptions.NotCompleted
    template = template_for(module=enrolment.run.module)
    if template is None:
        raise exceptions.NoTemplate
    return issue(achieved_module(enrolment, template), enrolment.person, actor=actor, origin=origin)


# --- revoking, re-issuing --------------------------------------------------------------------


def revoke(certificate: Certificate, *, actor, reason: str, origin: str = "web") -> Certificate:
    """Revoke with a reason; the record stays (and its status-list bit is set)."""
    reason = reason.strip()
    if not reason:
        raise exceptions.ReasonRequired
    with transaction.atomic():
        changed = Certificate.objects.filter(
            pk=certificate.pk, status=CertificateStatus.VALID, superseded_by__isnull=True
        ).update(
            status=CertificateStatus.REVOKED,
            revoked_at=timezone.now(),
            revoked_by=actor,
            revocation_reason=reason[:300],
        )
        if not changed:
            if Certificate.objects.filter(pk=certificate.pk, superseded_by__isnull=False).exists():
                raise exceptions.AlreadySuperseded
            raise exceptions.AlreadyRevoked
        audit.record("certificate.revoke", certificate, actor=actor, origin=origin)
    certificate.refresh_from_db()
    pdf.forget(certificate)
    return certificate


def reissue(
    certificate: Certificate, *, actor, origin: str = "web", notify: bool = True
) -> Certificate:
    """A new certificate from the template as it is now, replacing this one (both say so)."""
    if certificate.is_external:
        raise exceptions.ExternalNotReissued
    if certificate.status == CertificateStatus.REVOKED:
        raise exceptions.AlreadyRevoked
    if certificate.superseded_by_id:
        raise exceptions.AlreadySuperseded
    if certificate.holder is None or certificate.anonymised:
        raise exceptions.NoHolder
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status == CertificateStatus.REVOKED:
            raise exceptions.AlreadyRevoked
        if locked.superseded_by_id:
            raise exceptions.AlreadySuperseded
        template = (
            template_for(module=locked.module, path=locked.path)
            if (locked.module_id or locked.path_id)
            else None
        )
        template = template or locked.template
        if template is None:
            raise exceptions.NoTemplate
        if locked.run_id:
            enrolment = (
                Enrolment.objects.select_related("run__module", "run__venue__commune")
                .filter(run=locked.run, person=locked.holder)
                .first()
            )
            achieved = (
                achieved_module(enrolment, template)
                if enrolment
                else Achieved(template, locked.run, None, locked.hours, locked.valid_from)
            )
        else:
            achieved = Achieved(template, None, locked.path, locked.hours, locked.valid_from)
        return issue(
            achieved, locked.holder, actor=actor, origin=origin, supersedes=locked, notify=notify
        )


# --- external certificates -------------------------------------------------------------------


@dataclass(frozen=True)
class External:
    """A certificate issued elsewhere, as recorded by `record_external(s)`."""

    holder: Any
    module: ModulePage | None
    title: str
    issuer_name: str
    issued_on: dt.date
    hours: Decimal
    reference: str = ""
    valid_until: dt.date | None = None


def _external_certificate(
    item: External, template: CertificateTemplate | None, actor
) -> Certificate:
    """The unsaved certificate; its end of validity follows the module's template."""
    if not item.issuer_name.strip():
        raise exceptions.IssuerRequired
    valid_until = item.valid_until
    if valid_until is None and template is not None and template.validity_months:
        valid_until = _add_months(item.issued_on, template.validity_months)
    title = (item.title or (item.module.title if item.module else "")).strip()
    return Certificate(
        kind=CertificateKind.EXTERNAL,
        holder=item.holder,
        module=item.module,
        title=title[:255],
        hours=item.hours,
        issued_by=actor,
        valid_from=item.issued_on,
        valid_until=valid_until,
        issuer_name=item.issuer_name.strip(),
        reference=item.reference.strip(),
        content={
            "holder_name": _holder_name(item.holder),
            "achievement": title,
            "issuer": item.issuer_name.strip(),
        },
    )


def record_external(
    *,
    holder,
    module: ModulePage | None,
    title: str,
    issuer_name: str,
    issued_on: dt.date,
    hours: Decimal,
    reference: str = "",
    valid_until: dt.date | None = None,
    scan=None,
    actor=None,
    origin: str = "web",
) -> Certificate:
    """Record a certificate issued elsewhere: it counts for qualifications, is never signed."""
    item = External(holder, module, title, issuer_name, issued_on, hours, reference, valid_until)
    template = template_for(module=module) if module is not None and valid_until is None else None
    with transaction.atomic():
        certificate = _external_certificate(item, template, actor)
        if scan is not None:
            certificate.scan = scan
        certificate.full_clean(exclude=["code", "content"])
        certificate.save()
        audit.record("certificate.external", certificate, actor=actor, origin=origin)
    return certificate


def record_externals(items: Iterable[External], *, actor=None) -> list[Certificate]:
    """Record many certificates issued elsewhere (an imported list) in a few queries.

    No audit entry per certificate: the caller records one for the whole batch (the import
    engine writes one per file, with its counts). Each certificate's fields are checked in
    memory; the database enforces the unique codes and the validity constraint, so a failure
    cancels the caller's transaction. Raises ValidationError or IssuerRequired."""
    items = list(items)
    module_ids = {item.module.pk for item in items if item.module is not None}
    templates = {
        template.module_id: template
        for template in CertificateTemplate.objects.filter(active=True, module_id__in=module_ids)
    }
    certificates = []
    for item in items:
        module_id = item.module.pk if item.module is not None else None
        certificate = _external_certificate(item, templates.get(module_id), actor)
        # Not the foreign keys: validating one is a query per row (they come from the database).
        certificate.clean_fields(exclude=["code", "content", "holder", "module", "issued_by"])
        certificates.append(certificate)
    with transaction.atomic():
        return Certificate.objects.bulk_create(certificates, batch_size=500)


# --- erasure ---------------------------------------------------------------------------------


def _scrub(text: str, names: list[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        if name:
            text = re.sub(re.escape(name), ERASED_LABEL, text, flags=re.IGNORECASE)
    return text


def anonymise_holder(user) -> int:
    """network's erasure: the certificates stay as records, without anything about the person."""
    count = 0
    names = name_variants(user)
    for certificate in Certificate.objects.filter(holder=user):
        pdf.forget(certificate)
        if certificate.scan:
            certificate.scan.delete(save=False)
        content = {
            key: value
            for key, value in certificate.content.items()
            if key not in ("holder_name", "body")
        }
        content["holder_name"] = ERASED_LABEL
        Certificate.objects.filter(pk=certificate.pk).update(
            holder=None,
            content=content,
            credential="",
            scan="",
            # Free text shown publicly may name the person.
            revocation_reason=_scrub(certificate.revocation_reason, names),
            anonymised_at=timezone.now(),
        )
        count += 1
    count += IssueRequest.objects.filter(holder=user).delete()[0]
    return count


# --- expiry ----------------------------------------------------------------------------------


def expiring(now: dt.datetime | None = None) -> QuerySet[Certificate]:
    """Current certificates that expire within 60 days and were not renewed: a holder who
    already has a later one for the same module or path (ours or external) is not reminded."""
    today = timezone.localdate(now)
    renewed = (
        Certificate.objects.current()
        .filter(holder=OuterRef("holder"))
        .filter(Q(module=OuterRef("module")) | Q(path=OuterRef("path")))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=OuterRef("valid_until")))
        .exclude(pk=OuterRef("pk"))
    )
    return (
        Certificate.objects.current()
        .filter(
            holder__isnull=False,
            holder__is_active=True,
            valid_until__isnull=False,
            valid_until__gte=today,
            valid_until__lte=today + dt.timedelta(days=EXPIRY_NOTICE_DAYS),
            expiry_reminded_at__isnull=True,
        )
        .exclude(Exists(renewed))
        .select_related("holder", "module", "commune")
    )


def send_expiry_reminders(now: dt.datetime | None = None) -> int:
    """Tell holders (and the coordinators of their commune) 60 days before expiry; once."""
    from .notifications import send_expiry_reminder

    now = now or timezone.now()
    sent = 0
    for certificate in expiring(now):
        # Mark first: a second run of the job never sends it twice.
        if Certificate.objects.filter(pk=certificate.pk, expiry_reminded_at__isnull=True).update(
            expiry_reminded_at=now
        ):
            sent += send_expiry_reminder(certificate)
    return sent


# --- files -----------------------------------------------------------------------------------


def zip_of(certificates: Iterable[Certificate]) -> bytes:
    """Every PDF in one archive, named by serial number and holder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            if certificate.is_external or certificate.anonymised:
                continue
            name = get_valid_filename(f"{certificate.serial}-{certificate.holder_name}.pdf")
            archive.writestr(name, pdf.certificate_pdf(certificate))
    return buffer.getvalue()


def holder_certificates(user) -> QuerySet[Certificate]:
    """The person's certificates for "Mes attestations": current first, replaced ones last."""
    return (
        Certificate.objects.filter(holder=user)
        .select_related("module", "path", "superseded_by")
        .order_by(F("superseded_by").asc(nulls_first=True), "-valid_from", "-issued_at")
    )
