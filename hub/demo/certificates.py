"""Demo certificates: a template for every module and path (a drawn logo and signature), the
certificates of the demo's completions in every state (valid, expiring, expired, revoked,
replaced), external certificates, one request to review, and the facilitators' qualifications
for the support groups (some expiring, so that future rosters show gaps).

Idempotent (templates keyed by module or path, past runs by code, certificates by holder and
run, external ones by holder and title), deterministic for a given day, fake people only.
Nobody is e-mailed: ours are issued with `notify=False`, recorded ones send nothing, the
request to review is only queued, and the completions lms announces when the demo commits (its
signal waits for the commit) already hold their certificate, so the receiver issues nothing.
Serial numbers come from the services, so they have no gap. Runs after `training`, whose past
run gives the completions.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import holidays
from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from django.db.models import Q
from django.utils import timezone
from PIL import Image as PillowImage
from PIL import ImageDraw, ImageFont
from wagtail.images import get_image_model

from certificates import openbadges, pdf, services
from certificates.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    CertificateTemplate,
    IssueMode,
    IssueRequest,
    RequestStatus,
)
from hub.demo.training import MODULES, NINE, PAST_RUN_CODE, PATHS, POLE, ZONE
from lms import notifications
from lms.models import (
    SEAT_HOLDING,
    Approval,
    Attendance,
    AttendanceStatus,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Format,
    ModulePage,
    TrainingPathPage,
)
from lms.services import schedule_run, session_hours
from network.models import Commune
from sessions.models import Venue

FONTS = Path(__file__).resolve().parents[2] / "certificates" / "fonts"
INK = (29, 43, 54, 255)
ACCENT = (122, 31, 92, 255)
MUTED = (91, 102, 112, 255)
PEN = (27, 42, 107, 255)

LOGO_TITLE = "Maillage — logo des attestations"
SIGNATURE_TITLE = "Signature de Claire Dumont (attestations)"
SIGNATORY = "Claire Dumont"  # the `coordination` demo account, Chaudfontaine
SIGNATORY_TITLE = "Coordinatrice du réseau intrafamilial"
VALIDITY_MONTHS = 36  # the Pôle Ressources' partner-violence modules: refreshed every 3 years
REVIEWED_MODULE = "RES-GRP"  # facilitators' qualification: a coordinator checks each one

POLE_ISSUER = "Pôle Ressources violences entre partenaires (Région wallonne)"
CPAS_ISSUER = "Fédération des CPAS (Union des Villes et Communes de Wallonie)"

MODULE_BODY = (
    "{nom} a suivi la formation « {formation} », d'une durée de {heures} heures, donnée par "
    "{organisme}, {dates} à {lieu}, dans le cadre du réseau intrafamilial de la zone Secova."
)
ONLINE_BODY = (
    "{nom} a suivi la formation « {formation} », d'une durée de {heures} heures, donnée par "
    "{organisme}, {dates} ({lieu}), dans le cadre du réseau intrafamilial de la zone Secova."
)
FACILITATOR_BODY = (
    "{nom} a suivi la formation « {formation} » ({heures} heures), donnée par {organisme}, "
    "{dates} à {lieu}, et peut animer en binôme les groupes de soutien du réseau pour les "
    "enfants exposés aux violences."
)
PATH_BODY = (
    "{nom} a achevé le « {formation} » du réseau intrafamilial de la zone Secova, soit "
    "{heures} heures de formation, {dates}."
)


@dataclass(frozen=True)
class PastRun:
    """A run held before today, written directly (its window is long closed): everyone
    completed it. Dated from the day it is first loaded, then kept as it is."""

    code: str
    module: str
    months_ago: int
    days_later: int  # added to `months_ago`, then moved to the next Tuesday or Wednesday
    weekday: int
    people: tuple[str, ...]
    weeks: tuple[int, ...] = (0,)
    issued_days_after: int = 0  # 0: issued when attendance was marked (automatic)


FACILITATORS = ("animateur", *(f"anim-{n:02d}" for n in range(1, 8)))

PAST_RUNS = (
    # Certificates that expired about two months ago: pro-31 and pro-32 are signed up again.
    PastRun("PR-VEP-HIST-1", "PR-VEP", 38, 0, 1, ("pro-31", "pro-32")),
    # Certificates expiring within 60 days: anim-01 and anim-02 will miss from future rosters.
    PastRun("PR-VEP-HIST-2", "PR-VEP", 36, 31, 1, ("anim-01", "anim-02")),
    PastRun(
        "PR-VEP-HIST-3",
        "PR-VEP",
        14,
        0,
        1,
        ("animateur", "anim-04", "anim-05", "anim-06", "anim-07", "pro-33"),
    ),
    # The facilitators' course, seven weeks ago: done before the Esneux group began
    # (hub.demo.groups); pro-10's certificate is still to be reviewed.
    PastRun(
        "RES-GRP-HIST-1",
        "RES-GRP",
        0,
        -49,
        2,
        (*FACILITATORS, "pro-10"),
        weeks=(0, 1, 2),
        issued_days_after=2,
    ),
)
PENDING_REVIEW = ("RES-GRP-HIST-1", "pro-10")

# PR-VEP-2026-01: pro-05's certificate was re-issued a week later (the text was corrected).
REISSUED = ("pro-05", 6)
# pro-33's was revoked nine days after issue; she is signed up again. Not a certificate of
# PR-VEP-2026-01: lms sends "module completed" once the demo commits, and the certificates app
# would then issue (and e-mail) a new one to a completion whose certificate is revoked.
REVOKED = (
    "pro-33",
    "PR-VEP-HIST-3",
    9,
    "Attestation émise par erreur : la présence à la formation doit être vérifiée.",
)


@dataclass(frozen=True)
class External:
    username: str
    module: str | None
    title: str
    issuer: str
    issued_on: dt.date | int  # a date, or months before today
    hours: str
    reference: str = ""


EXTERNALS = (
    External(
        "professionnelle",
        "PR-CVP",
        "Attestation Pôle Ressources — Violences entre partenaires (module de base)",
        POLE_ISSUER,
        dt.date(2024, 3, 12),
        "6",
        "PR-2024-0312-017",
    ),
    External(
        "referente",
        None,
        "Violences conjugales : le rôle du CPAS dans l'accompagnement des victimes",
        CPAS_ISSUER,
        dt.date(2025, 5, 22),
        "12",
        "FCPAS-2025-118",
    ),
    # Trained before Maillage: the paper certificate expires in about seven months.
    External(
        "anim-03",
        "PR-VEP",
        "Attestation Pôle Ressources — Enfants exposés aux violences conjugales",
        POLE_ISSUER,
        29,
        "6",
    ),
)


def load_certificates(communes: dict[str, Commune], today: dt.date) -> dict[str, int]:
    """Templates and certificates; returns a few counts. E-mails nobody (see the module)."""
    with notifications.muted():
        return _load(communes, today)


def _load(communes: dict[str, Commune], today: dt.date) -> dict[str, int]:
    logo = _image(LOGO_TITLE, "maillage-logo.png", _logo_png())
    signature = _image(SIGNATURE_TITLE, "signature-claire-dumont.png", _signature_png())
    templates = _templates(logo, signature)
    users = _users()
    coordinator = users["coordination"]
    runs = {
        spec.code: _past_run(spec, communes["Esneux"], users, today, users["coord-esneux"])
        for spec in PAST_RUNS
    }
    # Oldest first, so that serial numbers follow the dates of issue.
    for spec in PAST_RUNS[:3]:
        _issue_run(runs[spec.code], templates, spec, coordinator)
    _revoke(users, coordinator)
    _issue_past_run_2026(templates, users, coordinator)
    spec = PAST_RUNS[3]
    _issue_run(runs[spec.code], templates, spec, coordinator, skip=PENDING_REVIEW[1])
    _pending_review(runs[PENDING_REVIEW[0]], templates, users[PENDING_REVIEW[1]])
    for external in EXTERNALS:
        _external(external, users, today, coordinator)
    _mark_reminded(today)
    return {
        "templates": CertificateTemplate.objects.count(),
        "certificates": Certificate.objects.count(),
        "requests": IssueRequest.objects.filter(status=RequestStatus.PENDING).count(),
    }


# --- images ------------------------------------------------------------------------------------


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONTS / name), size)


def _png(image: PillowImage.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _logo_png() -> bytes:
    """A mesh of six linked nodes and the word Maillage (transparent background)."""
    image = PillowImage.new("RGBA", (720, 240), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    nodes = [
        (40 + 70 * math.cos(math.radians(a)) + 70, 120 + 70 * math.sin(math.radians(a)))
        for a in range(-90, 270, 60)
    ]
    centre = (110, 120)
    for index, node in enumerate(nodes):
        draw.line([node, nodes[(index + 1) % 6]], fill=ACCENT, width=7)
        draw.line([node, centre], fill=ACCENT, width=4)
    draw.line([nodes[0], nodes[3]], fill=ACCENT, width=4)
    for x, y in [*nodes, centre]:
        draw.ellipse([x - 15, y - 15, x + 15, y + 15], fill=INK)
    draw.text((215, 50), "Maillage", font=_font(96, bold=True), fill=INK)
    draw.text((220, 165), "réseau intrafamilial Secova", font=_font(30), fill=MUTED)
    return _png(image)


def _slanted(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(x + 0.32 * (120 - y), y) for x, y in points]


def _cursive(x0: float, x1: float, letters: int, tall: int) -> list[tuple[float, float]]:
    """Arches of cursive letters on a baseline; letter number `tall` goes higher."""
    points = []
    step = (x1 - x0) / (2 * math.pi * letters)
    for number in range(letters * 60 + 1):
        theta = number * 2 * math.pi / 60
        letter = int(theta // (2 * math.pi))
        height = 28 * (2.2 if letter == tall else 1.0) * (0.85 + 0.15 * math.sin(1.7 * letter))
        points.append(
            (
                x0 + step * theta - 0.9 * step * math.sin(theta),
                132 - height * (1 - math.cos(theta)) / 2,
            )
        )
    return points


def _signature_png() -> bytes:
    """A handwritten-looking "C. Dumont": two capitals, cursive arches, an underline."""
    image = PillowImage.new("RGBA", (600, 200), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    c_letter = [
        (62 + 34 * math.cos(math.radians(a)), 92 + 46 * math.sin(math.radians(a)))
        for a in range(320, 40, -6)
    ]
    d_bowl = [
        (255 + 52 * math.sin(math.radians(a)), 102 - 34 * math.cos(math.radians(a)))
        for a in range(0, 181, 6)
    ]
    strokes = [
        (c_letter, 5),
        (_cursive(95, 215, 5, tall=0), 4),
        ([(262, 70), (258, 100), (255, 134)], 5),
        ([(248, 68), *d_bowl], 5),
        (_cursive(305, 470, 6, tall=5), 4),
    ]
    for points, width in strokes:
        draw.line(_slanted(points), fill=PEN, width=width, joint="curve")
    underline = [(70 + 4.9 * t, 168 - 0.09 * t - 7 * math.sin(t / 13)) for t in range(100)]
    draw.line(underline, fill=PEN, width=3, joint="curve")
    return _png(image)


def _image(title: str, filename: str, data: bytes):
    """A Wagtail image, made once (an edited one is kept as it is); the file a previous demo
    database left in the media storage is reused when it holds the same picture."""
    model = get_image_model()
    image = model.objects.filter(title=title).order_by("pk").first()
    if image is not None:
        return image
    name = f"original_images/{filename}"
    storage = model._meta.get_field("file").storage
    if storage.exists(name):
        with storage.open(name, "rb") as handle:
            same = handle.read() == data
        if same:
            image = model(title=title, file=name)
            image.save()
            return image
    image = model(title=title, file=ImageFile(io.BytesIO(data), name=filename))
    image.save()
    return image


# --- templates ---------------------------------------------------------------------------------


def _upsert_template(lookup: dict, fields: dict) -> CertificateTemplate:
    template = CertificateTemplate.objects.filter(**lookup, active=True).first()
    if template is None:
        return CertificateTemplate.objects.create(**lookup, **fields)
    changed = [name for name, value in fields.items() if getattr(template, name) != value]
    if changed:
        for name in changed:
            setattr(template, name, fields[name])
        template.save(update_fields=[*changed, "updated_at"])
    return template


def _templates(logo, signature) -> dict[str, CertificateTemplate]:
    """Keyed by module code or path slug."""
    common = {
        "signatory_name": SIGNATORY,
        "signatory_title": SIGNATORY_TITLE,
        "logo_id": logo.pk,
        "signature_id": signature.pk,
    }
    modules = {m.code: m for m in ModulePage.objects.filter(code__in=[s.code for s in MODULES])}
    templates = {}
    for spec in MODULES:
        reviewed = spec.code == REVIEWED_MODULE
        body = MODULE_BODY
        if reviewed:
            body = FACILITATOR_BODY
        elif spec.format == Format.ONLINE:
            body = ONLINE_BODY
        templates[spec.code] = _upsert_template(
            {"module": modules[spec.code]},
            {
                **common,
                "name": f"Attestation {spec.code}",
                "title": "Attestation de qualification" if reviewed else "Attestation de formation",
                "body": body,
                "validity_months": VALIDITY_MONTHS if spec.provider == POLE else None,
                "issue_mode": IssueMode.REVIEW if reviewed else IssueMode.AUTOMATIC,
            },
        )
    paths = {p.slug: p for p in TrainingPathPage.objects.filter(slug__in=[p[0] for p in PATHS])}
    for slug, title, *_rest in PATHS:
        templates[slug] = _upsert_template(
            {"path": paths[slug]},
            {
                **common,
                "name": f"Attestation — {title}",
                "title": "Attestation de parcours",
                "body": PATH_BODY,
                "validity_months": None,
                "issue_mode": IssueMode.AUTOMATIC,
            },
        )
    return templates


# --- past runs ---------------------------------------------------------------------------------


def _users() -> dict[str, object]:
    wanted = {"coordination", "coord-esneux", "referente", "professionnelle"}
    wanted |= {u for spec in PAST_RUNS for u in spec.people}
    wanted |= {REISSUED[0], REVOKED[0]}
    wanted |= {e.username for e in EXTERNALS}
    found = {u.username: u for u in get_user_model().objects.filter(username__in=wanted)}
    missing = wanted - set(found)
    if missing:
        raise RuntimeError(f"Demo accounts missing: {sorted(missing)} (load the network first).")
    return found


def _closed(day: dt.date) -> bool:
    return day in holidays.country_holidays("BE", years=day.year) or (
        day.month == 12 and day.day >= 24
    )


def _run_days(spec: PastRun, today: dt.date) -> list[dt.date]:
    first = today - relativedelta(months=spec.months_ago) + dt.timedelta(days=spec.days_later)
    first += dt.timedelta(days=(spec.weekday - first.weekday()) % 7)
    days: list[dt.date] = []
    for weeks in spec.weeks:
        day = first + dt.timedelta(weeks=weeks)
        while _closed(day) or (days and day <= days[-1]):
            day += dt.timedelta(weeks=1)
        days.append(day)
    return days


def _past_run(spec: PastRun, commune: Commune, users, today: dt.date, marker) -> CourseRun:
    """The run, its sessions, and everyone completed (rows written directly: no signal, so no
    certificate is issued behind our back and nobody is e-mailed)."""
    run = CourseRun.objects.filter(code=spec.code).first()
    if run is not None:
        return run
    module = ModulePage.objects.get(code=spec.module)
    venue = Venue.objects.get(name="Salle du conseil du CPAS", commune=commune)
    run = CourseRun.objects.create(
        code=spec.code,
        module=module,
        commune=commune,
        venue=venue,
        capacity=max(10, len(spec.people)),
        approval=Approval.COORDINATOR if spec.module == REVIEWED_MODULE else Approval.AUTOMATIC,
    )
    days = _run_days(spec, today)
    schedule_run(run, [(day, NINE) for day in days], duration_minutes=360)
    run.refresh_from_db()
    sessions = list(run.sessions().order_by("start"))
    signed_up = dt.datetime.combine(days[0] - dt.timedelta(days=30), dt.time(10), tzinfo=ZONE)
    for index, username in enumerate(spec.people):
        enrolment = Enrolment.objects.create(
            run=run,
            person=users[username],
            status=EnrolmentStatus.COMPLETED,
            requested_at=signed_up + dt.timedelta(hours=index),
            completed_at=sessions[-1].end,
            updated_at=sessions[-1].end,
        )
        Attendance.objects.bulk_create(
            Attendance(
                enrolment=enrolment,
                session=session,
                status=AttendanceStatus.PRESENT,
                hours=session_hours(session),
                marked_by=marker,
                marked_at=session.end + dt.timedelta(minutes=30),
            )
            for session in sessions
        )
    CourseRun.objects.filter(pk=run.pk).update(
        seats_taken=Enrolment.objects.filter(run=run, status__in=SEAT_HOLDING).count()
    )
    run.refresh_from_db()
    return run


# --- certificates ------------------------------------------------------------------------------


def _enrolments(run: CourseRun):
    return (
        Enrolment.objects.filter(run=run, status=EnrolmentStatus.COMPLETED)
        .select_related("person", "run__module", "run__venue__commune")
        .order_by("completed_at", "requested_at", "pk")
    )


def _issue_at(enrolment: Enrolment, template, moment: dt.datetime, actor) -> Certificate | None:
    """Issue once per holder and run (whatever became of it since), as if at `moment`."""
    if Certificate.objects.filter(
        holder=enrolment.person, run=enrolment.run, kind=CertificateKind.ISSUED
    ).exists():
        return None
    achieved = services.achieved_module(enrolment, template)
    certificate = services.issue(
        achieved, enrolment.person, actor=actor, origin="demo", notify=False
    )
    return _backdate(certificate, achieved, moment)


def _backdate(
    certificate: Certificate, achieved: services.Achieved, moment: dt.datetime
) -> Certificate:
    """Move an issue made now to `moment`: dates, frozen text and signed credential agree
    (its serial keeps the year it was numbered in, so numbering stays without gaps)."""
    issued_on = timezone.localdate(moment)
    valid_from = certificate.valid_from if certificate.content.get("supersedes") else issued_on
    months = achieved.template.validity_months
    valid_until = valid_from + relativedelta(months=months) if months else None
    content = services.freeze(
        achieved,
        certificate.holder,
        serial=certificate.serial,
        issued_on=issued_on,
        valid_until=valid_until,
    )
    if certificate.content.get("supersedes"):
        content["supersedes"] = certificate.content["supersedes"]
    Certificate.objects.filter(pk=certificate.pk).update(
        issued_at=moment, valid_from=valid_from, valid_until=valid_until, content=content
    )
    certificate.refresh_from_db()
    certificate.credential = openbadges.signed_credential(
        certificate, email=certificate.holder.email
    )
    Certificate.objects.filter(pk=certificate.pk).update(credential=certificate.credential)
    pdf.forget(certificate)
    return certificate


def _issue_run(run: CourseRun, templates, spec: PastRun, coordinator, skip: str = "") -> None:
    template = templates[spec.module]
    reviewed = template.issue_mode == IssueMode.REVIEW
    for enrolment in _enrolments(run):
        if enrolment.person.username == skip:
            continue
        if spec.issued_days_after:
            day = timezone.localdate(enrolment.completed_at)
            day += dt.timedelta(days=spec.issued_days_after)
            moment = dt.datetime.combine(day, dt.time(10, 15), tzinfo=ZONE)
        else:
            moment = enrolment.completed_at + dt.timedelta(minutes=30)
        _issue_at(enrolment, template, moment, coordinator if reviewed else None)


def _issue_past_run_2026(templates, users, coordinator) -> None:
    """The training demo's past run: every completion certified when attendance was marked
    (so that the completion signals sent when the demo commits find nothing to issue), then
    one re-issued."""
    run = CourseRun.objects.filter(code=PAST_RUN_CODE).first()
    if run is None or not run.enrolments.filter(status=EnrolmentStatus.COMPLETED).exists():
        return  # demo loaded before the run's day: nobody completed it yet
    template = templates["PR-VEP"]
    enrolments = list(_enrolments(run))
    for enrolment in enrolments:
        _issue_at(enrolment, template, enrolment.completed_at + dt.timedelta(minutes=30), None)
    by_name = {e.person.username: e for e in enrolments}

    username, days = REISSUED
    enrolment = by_name.get(username)
    replaced = Certificate.objects.filter(
        holder=users[username], run=run, superseded_by__isnull=False
    )
    if enrolment is not None and not replaced.exists():
        old = Certificate.objects.current().get(holder=users[username], run=run)
        achieved = services.achieved_module(enrolment, template)
        # services.issue(supersedes=...) is what services.reissue does, without the e-mail.
        new = services.issue(
            achieved,
            users[username],
            actor=coordinator,
            origin="demo",
            notify=False,
            supersedes=old,
        )
        _backdate(
            new,
            achieved,
            dt.datetime.combine(
                timezone.localdate(old.issued_at) + dt.timedelta(days=days),
                dt.time(11, 40),
                tzinfo=ZONE,
            ),
        )


def _revoke(users, coordinator) -> None:
    username, code, days, reason = REVOKED
    holder = users[username]
    if Certificate.objects.filter(
        holder=holder, run__code=code, status=CertificateStatus.REVOKED
    ).exists():
        return
    certificate = Certificate.objects.current().filter(holder=holder, run__code=code).first()
    if certificate is None:
        return
    services.revoke(certificate, actor=coordinator, reason=reason, origin="demo")
    moment = dt.datetime.combine(
        timezone.localdate(certificate.issued_at) + dt.timedelta(days=days),
        dt.time(14, 5),
        tzinfo=ZONE,
    )
    Certificate.objects.filter(pk=certificate.pk).update(revoked_at=moment)


def _pending_review(run: CourseRun, templates, person) -> None:
    """A completion waiting in the coordinators' queue (a template in review mode)."""
    template = templates[REVIEWED_MODULE]
    assert template.issue_mode == IssueMode.REVIEW  # else issue_or_queue would e-mail
    enrolment = _enrolments(run).filter(person=person).first()
    if enrolment is None or IssueRequest.objects.filter(holder=person, run=run).exists():
        return
    request = services.issue_or_queue(
        services.achieved_module(enrolment, template), person, origin="demo"
    )
    if isinstance(request, IssueRequest):
        IssueRequest.objects.filter(pk=request.pk).update(
            created_at=enrolment.completed_at + dt.timedelta(minutes=30)
        )


def _external(spec: External, users, today: dt.date, coordinator) -> None:
    holder = users[spec.username]
    if Certificate.objects.filter(
        holder=holder, kind=CertificateKind.EXTERNAL, title=spec.title
    ).exists():
        return
    issued_on = (
        spec.issued_on
        if isinstance(spec.issued_on, dt.date)
        else today - relativedelta(months=spec.issued_on)
    )
    services.record_external(
        holder=holder,
        module=ModulePage.objects.get(code=spec.module) if spec.module else None,
        title=spec.title,
        issuer_name=spec.issuer,
        issued_on=issued_on,
        hours=Decimal(spec.hours),
        reference=spec.reference,
        actor=coordinator,
        origin="demo",
    )


def _mark_reminded(today: dt.date) -> None:
    """Certificates already in their last 60 days were reminded when they entered them (the
    due job would otherwise write to fake people)."""
    for certificate in Certificate.objects.filter(
        ~Q(valid_until=None),
        expiry_reminded_at__isnull=True,
        valid_until__lte=today + dt.timedelta(days=services.EXPIRY_NOTICE_DAYS),
    ):
        day = certificate.valid_until - dt.timedelta(days=services.EXPIRY_NOTICE_DAYS)
        Certificate.objects.filter(pk=certificate.pk).update(
            expiry_reminded_at=dt.datetime.combine(day, dt.time(6, 0), tzinfo=ZONE)
        )
