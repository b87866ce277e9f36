"""Training attendance typed after a training day: run code, e-mail, date, présent / absent /
excusé, hours (empty: the whole session). Written as `services.mark_attendance` would, then
completion is evaluated once per enrolment touched."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields

from network import imports, permissions
from network.imports import Checked, ImportResource, fold, status_for
from network.models import MemberProfile
from network.tabular import parse_date, parse_decimal
from sessions.models import Assignment, Session, SessionStatus, StaffRole

from . import services
from .models import (
    SEAT_HOLDING,
    Attendance,
    AttendanceStatus,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
)

STATUS_WORDS = {
    "present": AttendanceStatus.PRESENT,
    "presente": AttendanceStatus.PRESENT,
    "p": AttendanceStatus.PRESENT,
    "oui": AttendanceStatus.PRESENT,
    "yes": AttendanceStatus.PRESENT,
    "partiel": AttendanceStatus.PARTIAL,
    "partielle": AttendanceStatus.PARTIAL,
    "partial": AttendanceStatus.PARTIAL,
    "partly present": AttendanceStatus.PARTIAL,
    "absent": AttendanceStatus.ABSENT,
    "absente": AttendanceStatus.ABSENT,
    "a": AttendanceStatus.ABSENT,
    "non": AttendanceStatus.ABSENT,
    "no": AttendanceStatus.ABSENT,
    "excuse": AttendanceStatus.EXCUSED,
    "excusee": AttendanceStatus.EXCUSED,
    "excused": AttendanceStatus.EXCUSED,
    "e": AttendanceStatus.EXCUSED,
}


@dataclass
class AttendanceRow:
    enrolment_id: int
    session: Session
    status: str
    hours: Decimal
    existing: Attendance | None


class AttendanceResource(ImportResource):
    """One row per person and session; the session is the run's session on that date."""

    run = fields.Field(attribute="enrolment__run__code", column_name="Code formation")
    email = fields.Field(attribute="enrolment__person__email", column_name="E-mail")
    date = fields.Field(column_name="Date")
    status = fields.Field(attribute="status", column_name="Présence")
    hours = fields.Field(attribute="hours", column_name="Heures")

    class Meta:
        model = Attendance
        fields = ("run", "email", "date", "status", "hours")
        export_order = ("run", "email", "date", "status", "hours")

    def dehydrate_date(self, attendance: Attendance) -> str:
        return timezone.localtime(attendance.session.start).strftime("%d/%m/%Y")

    def prepare(self, rows: list[dict[str, str]]) -> None:
        self.zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        codes = {row.get("run", "").strip() for row in rows} - {""}
        emails = {row.get("email", "").strip().lower() for row in rows} - {""}
        self.runs = {r.code.casefold(): r for r in CourseRun.objects.filter(code__in=codes)}
        if len(self.runs) < len(codes):  # codes typed in another case
            wanted = {c.casefold() for c in codes} - set(self.runs)
            for run in CourseRun.objects.annotate(c=Lower("code")).filter(c__in=wanted):
                self.runs[run.code.casefold()] = run
        series_ids = [r.series_id for r in self.runs.values() if r.series_id]
        self.sessions: dict[tuple[int, dt.date], list[Session]] = {}
        for session in Session.objects.filter(series_id__in=series_ids).order_by("start"):
            day = session.start.astimezone(self.zone).date()
            self.sessions.setdefault((session.series_id, day), []).append(session)
        self.people = dict(
            MemberProfile.objects.annotate(e=Lower("user__email"))
            .filter(e__in=emails)
            .values_list("e", "user_id")
        )
        self.enrolments = {
            (run_id, person_id): pk
            for pk, run_id, person_id in Enrolment.objects.filter(
                run__in=self.runs.values(),
                person_id__in=self.people.values(),
                status__in=SEAT_HOLDING,
            )
            .exclude(status=EnrolmentStatus.OFFERED)
            .values_list("pk", "run_id", "person_id")
        }
        self.existing = {
            (a.enrolment_id, a.session_id): a
            for a in Attendance.objects.filter(enrolment_id__in=self.enrolments.values())
        }
        self.allowed_runs: dict[int, bool] = {}
        self.allowed_sessions: dict[int, bool] = {}
        self.now = timezone.now()
        self.seen: set[tuple[int, int]] = set()

    def _may(self, run: CourseRun, session: Session) -> bool:
        if self.actor is None:
            return True
        if run.pk not in self.allowed_runs:
            self.allowed_runs[run.pk] = permissions.can(self.actor, "change", run)
        if self.allowed_runs[run.pk]:
            return True
        if session.pk not in self.allowed_sessions:
            self.allowed_sessions[session.pk] = Assignment.objects.filter(
                session=session, person=self.actor, role=StaffRole.TRAINER
            ).exists()
        return self.allowed_sessions[session.pk]

    def check(self, row: dict[str, str]) -> Checked:
        checked = Checked()
        code = row.get("run", "").strip()
        run = self.runs.get(code.casefold())
        if run is None:
            checked.error("run", _("Unknown training run: “%(code)s”.") % {"code": code})
        email = row.get("email", "").strip()
        person_id = self.people.get(email.lower())
        if person_id is None:
            checked.error("email", _("No member has the address “%(email)s”.") % {"email": email})
        day = None
        try:
            day = parse_date(row.get("date", ""))
        except ValueError as error:
            checked.error("date", str(error))
        word = fold(row.get("status", ""))
        status = STATUS_WORDS.get(word)
        if status is None:
            checked.error(
                "status",
                _("“%(value)s” is not an attendance: write présent, absent or excusé.")
                % {"value": row.get("status", "")},
            )
        hours_text = row.get("hours", "").strip()
        hours = None
        if hours_text:
            try:
                hours = parse_decimal(hours_text)
            except ValueError as error:
                checked.error("hours", str(error))
        if run is None or day is None:
            return checked
        sessions = self.sessions.get((run.series_id, day), [])
        if not sessions:
            checked.error(
                "date",
                _("The run %(code)s has no session on %(date)s.")
                % {"code": run.code, "date": day.strftime("%d/%m/%Y")},
            )
            return checked
        session = sessions[0]
        if not self._may(run, session):
            checked.error(
                "run", _("You may not take attendance for the run %(code)s.") % {"code": run.code}
            )
            return checked
        if session.status == SessionStatus.CANCELLED:
            checked.error("date", _("This session was cancelled."))
        elif session.start > self.now:
            checked.error("date", _("This session has not started yet."))
        enrolment_id = self.enrolments.get((run.pk, person_id)) if person_id else None
        if person_id is not None and enrolment_id is None:
            checked.error(
                "email",
                _("%(email)s is not enrolled in the run %(code)s.")
                % {"email": email, "code": run.code},
            )
        if checked.errors or status is None or enrolment_id is None:
            return checked
        length = services.session_hours(session)
        if status in (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED):
            if hours:
                checked.error("hours", _("Hours are only given for a presence."))
            hours = Decimal(0)
        elif hours is None:
            if status == AttendanceStatus.PARTIAL:
                checked.error("hours", _("Give the hours attended for a partial presence."))
            hours = length
        elif not (Decimal(0) < hours <= length):
            checked.error(
                "hours",
                _("Between 0 and %(hours)s hours (the length of the session).")
                % {"hours": str(length).replace(".", ",")},
            )
        else:
            hours = hours.quantize(Decimal("0.01"))
            status = AttendanceStatus.PRESENT if hours == length else AttendanceStatus.PARTIAL
        if (enrolment_id, session.pk) in self.seen:
            checked.error("email", _("This person appears twice for this session."))
        self.seen.add((enrolment_id, session.pk))
        if checked.errors:
            return checked
        existing = self.existing.get((enrolment_id, session.pk))
        checked.payload = AttendanceRow(enrolment_id, session, status, hours, existing)
        checked.status = status_for(existing, {"status": status, "hours": hours})
        return checked

    def write(self, checked: list[Checked]) -> None:
        now = timezone.now()
        actor = self.actor if self.actor is not None and self.actor.pk else None
        rows: list[AttendanceRow] = [c.payload for c in checked]
        Attendance.objects.bulk_create(
            [
                Attendance(
                    enrolment_id=r.enrolment_id,
                    session=r.session,
                    status=r.status,
                    hours=r.hours,
                    marked_by=actor,
                    marked_at=now,
                )
                for r in rows
                if r.existing is None
            ],
            batch_size=500,
        )
        changed = []
        for r in rows:
            if r.existing is not None:
                r.existing.status, r.existing.hours = r.status, r.hours
                r.existing.marked_by, r.existing.marked_at = actor, now
                changed.append(r.existing)
        Attendance.objects.bulk_update(
            changed, ["status", "hours", "marked_by", "marked_at"], batch_size=500
        )
        enrolment_ids = {r.enrolment_id for r in rows}
        for enrolment in Enrolment.objects.filter(pk__in=enrolment_ids).select_related(
            "run__module"
        ):
            services.evaluate_completion(enrolment, now=now)


ATTENDANCE_COLUMNS = {
    "run": ("code formation", "formation", "code", "run", "run code", "code session", "session"),
    "email": ("e mail", "email", "courriel", "adresse e mail", "mail"),
    "date": ("date", "jour", "day", "date de la seance"),
    "status": ("presence", "statut", "status", "attendance", "present"),
    "hours": ("heures", "hours", "nombre d heures", "duree", "heures presentes"),
}


def register() -> None:
    imports.register(
        imports.ImportKind(
            key="attendance",
            label=gettext_lazy("Training attendance"),
            resource=AttendanceResource,
            columns=ATTENDANCE_COLUMNS,
            required=("run", "email", "date", "status"),
            permission="maillage_lms.change_attendance",
            order=40,
        )
    )
