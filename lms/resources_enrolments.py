"""Enrolments from a list (run code, e-mail, status), written with the invariants of
`lms.services`: the run's lock held, seats counted in `CourseRun.seats_taken`, waitlist
positions kept 1..N. Rows that would overbook a run are error rows, so nothing is written.

An import records decisions already taken (a paper list, another tool): the people it names
get no e-mail and skip eligibility, as with a coordinator's promotion. What it does to others
follows the services, as a manual cancellation would: a seat the file frees (a cancelled
confirmation or offer) and that none of its confirmations takes is offered to the first person
waiting, who is told by e-mail once the import commits; a confirmation the run has no seat for
is an error row, never an overbooking."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from import_export import fields

from network import imports, permissions
from network.imports import UNCHANGED, Checked, ImportResource, fold, status_for
from network.models import MemberProfile

from . import services
from .models import SEAT_HOLDING, CourseRun, Enrolment, EnrolmentStatus, RunStatus

STATUS_WORDS = {
    "confirme": EnrolmentStatus.CONFIRMED,
    "confirmee": EnrolmentStatus.CONFIRMED,
    "confirmed": EnrolmentStatus.CONFIRMED,
    "inscrit": EnrolmentStatus.CONFIRMED,
    "inscrite": EnrolmentStatus.CONFIRMED,
    "enrolled": EnrolmentStatus.CONFIRMED,
    "demande": EnrolmentStatus.REQUESTED,
    "demandee": EnrolmentStatus.REQUESTED,
    "en attente d approbation": EnrolmentStatus.REQUESTED,
    "a approuver": EnrolmentStatus.REQUESTED,
    "requested": EnrolmentStatus.REQUESTED,
    "awaiting approval": EnrolmentStatus.REQUESTED,
    "pending": EnrolmentStatus.REQUESTED,
    "annule": EnrolmentStatus.CANCELLED,
    "annulee": EnrolmentStatus.CANCELLED,
    "cancelled": EnrolmentStatus.CANCELLED,
    "canceled": EnrolmentStatus.CANCELLED,
}
# What each status may become through an import (a finished enrolment is never changed).
REOPENABLE = (
    EnrolmentStatus.CANCELLED,
    EnrolmentStatus.REJECTED,
    EnrolmentStatus.EXPIRED,
)
ALLOWED_FROM = {
    EnrolmentStatus.CONFIRMED: (
        EnrolmentStatus.REQUESTED,
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.OFFERED,
        *REOPENABLE,
    ),
    EnrolmentStatus.REQUESTED: REOPENABLE,
    EnrolmentStatus.CANCELLED: (
        EnrolmentStatus.REQUESTED,
        EnrolmentStatus.CONFIRMED,
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.OFFERED,
    ),
}


@dataclass
class EnrolmentRow:
    run: CourseRun
    person_id: int
    status: str
    reason: str
    existing: Enrolment | None


def _needs_seat(row: EnrolmentRow) -> bool:
    return row.status == EnrolmentStatus.CONFIRMED and (
        row.existing is None or row.existing.status not in SEAT_HOLDING
    )


def _frees_seat(row: EnrolmentRow) -> bool:
    return (
        row.status != EnrolmentStatus.CONFIRMED
        and row.existing is not None
        and row.existing.status in SEAT_HOLDING
    )


class EnrolmentResource(ImportResource):
    """One row per person and run: enrolled (confirmed, awaiting approval) or cancelled."""

    run = fields.Field(attribute="run__code", column_name="Code formation")
    email = fields.Field(attribute="person__email", column_name="E-mail")
    status = fields.Field(attribute="status", column_name="Statut")
    reason = fields.Field(attribute="reason", column_name="Motif")

    class Meta:
        model = Enrolment
        fields = ("run", "email", "status", "reason")
        export_order = ("run", "email", "status", "reason")

    def dehydrate_status(self, enrolment: Enrolment) -> str:
        return str(enrolment.get_status_display())

    def prepare(self, rows: list[dict[str, str]]) -> None:
        codes = {row.get("run", "").strip().casefold() for row in rows} - {""}
        emails = {row.get("email", "").strip().lower() for row in rows} - {""}
        run_ids = list(
            CourseRun.objects.annotate(c=Lower("code"))
            .filter(c__in=codes)
            .values_list("pk", flat=True)
        )
        # As every read of seats: an offer whose time is up passes its seat on first.
        services.expire_offers(run_ids)
        self.runs = {r.code.casefold(): r for r in CourseRun.objects.filter(pk__in=run_ids)}
        self.people = dict(
            MemberProfile.objects.annotate(e=Lower("user__email"))
            .filter(e__in=emails)
            .values_list("e", "user_id")
        )
        self.existing = {
            (e.run_id, e.person_id): e
            for e in Enrolment.objects.filter(
                run__in=list(self.runs.values()), person_id__in=list(self.people.values())
            )
        }
        self.managed: set[int] | None = None
        if self.actor is not None:
            self.managed = set(
                permissions.visible(self.actor, CourseRun, "change")
                .filter(pk__in=[r.pk for r in self.runs.values()])
                .values_list("pk", flat=True)
            )
        # Seats each run has left as the rows are read: freed ones first (a cancellation
        # anywhere in the file frees its seat for a confirmation anywhere in it).
        self.free = {r.pk: r.capacity - r.seats_taken for r in self.runs.values()}
        for row in rows:
            run = self.runs.get(row.get("run", "").strip().casefold())
            person_id = self.people.get(row.get("email", "").strip().lower())
            existing = self.existing.get((run.pk, person_id)) if run and person_id else None
            status = STATUS_WORDS.get(fold(row.get("status", "")))
            if (
                existing is not None
                and existing.status in (EnrolmentStatus.CONFIRMED, EnrolmentStatus.OFFERED)
                and status == EnrolmentStatus.CANCELLED
            ):
                self.free[existing.run_id] += 1
        self.seen: set[tuple[int, int]] = set()

    def check(self, row: dict[str, str]) -> Checked:
        checked = Checked()
        code = row.get("run", "").strip()
        run = self.runs.get(code.casefold())
        if not code:
            checked.error("run", _("The run code is missing."))
        elif run is None:
            checked.error("run", _("Unknown training run: “%(code)s”.") % {"code": code})
        elif self.managed is not None and run.pk not in self.managed:
            checked.error(
                "run",
                _("You do not manage the run %(code)s: you cannot enrol people in it.")
                % {"code": run.code},
            )
        email = row.get("email", "").strip()
        person_id = self.people.get(email.lower())
        if person_id is None:
            checked.error("email", _("No member has the address “%(email)s”.") % {"email": email})
        text = row.get("status", "").strip()
        status = STATUS_WORDS.get(fold(text))
        if status is None:
            checked.error(
                "status",
                _("“%(value)s” is not a status: write confirmé, demandé or annulé.")
                % {"value": text},
            )
        reason = " ".join(row.get("reason", "").split())
        if len(reason) > 300:
            checked.error("reason", _("Too long: at most %(count)s characters.") % {"count": 300})
        if checked.errors or run is None or person_id is None or status is None:
            return checked
        if (run.pk, person_id) in self.seen:
            checked.error("email", _("This person appears twice for this run."))
            return checked
        self.seen.add((run.pk, person_id))
        existing = self.existing.get((run.pk, person_id))
        if existing is not None and (
            existing.status == status
            # A completed enrolment was a confirmed one: the same list read again after the
            # training changes nothing.
            or (
                status == EnrolmentStatus.CONFIRMED and existing.status == EnrolmentStatus.COMPLETED
            )
        ):
            checked.status = UNCHANGED
            return checked
        if run.status == RunStatus.CANCELLED and status != EnrolmentStatus.CANCELLED:
            checked.error("run", _("The run %(code)s was cancelled.") % {"code": run.code})
            return checked
        if existing is None and status == EnrolmentStatus.CANCELLED:
            checked.error(
                "status",
                _("%(email)s is not enrolled in the run %(code)s: nothing to cancel.")
                % {"email": email, "code": run.code},
            )
            return checked
        if existing is not None and existing.status not in ALLOWED_FROM[status]:
            checked.error(
                "status",
                _("The enrolment is “%(current)s”: an import cannot make it “%(wanted)s”.")
                % {
                    "current": existing.get_status_display(),
                    "wanted": EnrolmentStatus(status).label,
                },
            )
            return checked
        payload = EnrolmentRow(run, person_id, status, reason, existing)
        if _needs_seat(payload):
            if self.free[run.pk] <= 0:
                checked.error(
                    "status",
                    ngettext(
                        "The run %(code)s is full (%(capacity)s seat): this person cannot be "
                        "confirmed.",
                        "The run %(code)s is full (%(capacity)s seats): this person cannot be "
                        "confirmed.",
                        run.capacity,
                    )
                    % {"code": run.code, "capacity": run.capacity},
                )
                return checked
            self.free[run.pk] -= 1
        checked.payload = payload
        checked.status = status_for(existing, {"status": status})  # same status: above
        return checked

    def write(self, checked: list[Checked]) -> None:
        rows: list[EnrolmentRow] = [c.payload for c in checked]
        actor = self.actor if self.actor is not None and self.actor.pk else None
        by_run: dict[int, list[EnrolmentRow]] = {}
        for r in rows:
            by_run.setdefault(r.run.pk, []).append(r)
        for run_id in sorted(by_run):  # always the same order: no deadlock between imports
            self._write_run(run_id, by_run[run_id], actor)

    def _write_run(self, run_id: int, rows: list[EnrolmentRow], actor) -> None:
        run = services._locked(run_id)  # inside the engine's transaction
        now = timezone.now()
        delta = sum(_needs_seat(r) for r in rows) - sum(_frees_seat(r) for r in rows)
        if run.seats_taken + delta > run.capacity:
            # Seats were taken since the dry run: refuse the whole file.
            raise ValueError(
                _("The run %(code)s no longer has enough free seats.") % {"code": run.code}
            )
        # The seats counted above rest on the statuses read by prepare(): someone who cancelled
        # or accepted an offer since then would make them wrong.
        read = {r.existing.pk: r.existing.status for r in rows if r.existing is not None}
        if read and read != dict(Enrolment.objects.filter(pk__in=read).values_list("pk", "status")):
            raise ValueError(
                _(
                    "Enrolments in the run %(code)s changed during the import: import the "
                    "file again."
                )
                % {"code": run.code}
            )
        new: list[Enrolment] = []
        changed: list[Enrolment] = []
        waitlist_left = False
        for r in rows:
            enrolment = r.existing or Enrolment(run_id=run_id, person_id=r.person_id)
            waitlist_left |= enrolment.status == EnrolmentStatus.WAITLISTED
            enrolment.status = r.status
            enrolment.waitlist_position = None
            enrolment.offer_expires_at = None
            enrolment.updated_at = now
            if r.status == EnrolmentStatus.CANCELLED:
                enrolment.cancelled_at = now
                enrolment.reason = r.reason
                enrolment.decided_by = actor
            else:
                enrolment.requested_at = now if r.existing is None else enrolment.requested_at
                enrolment.cancelled_at = None
                enrolment.reason = r.reason
                enrolment.decided_at = now if r.status == EnrolmentStatus.CONFIRMED else None
                enrolment.decided_by = actor if r.status == EnrolmentStatus.CONFIRMED else None
            (changed if r.existing is not None else new).append(enrolment)
        Enrolment.objects.bulk_create(new, batch_size=500)
        Enrolment.objects.bulk_update(
            changed,
            [
                "status",
                "waitlist_position",
                "offer_expires_at",
                "updated_at",
                "cancelled_at",
                "reason",
                "decided_at",
                "decided_by",
                "requested_at",
            ],
            batch_size=500,
        )
        if delta:
            CourseRun.objects.filter(pk=run_id).update(seats_taken=F("seats_taken") + delta)
            run.seats_taken += delta
        if waitlist_left:  # close the gaps: positions stay 1..N in sign-up order
            waiting = list(
                Enrolment.objects.filter(run_id=run_id, status=EnrolmentStatus.WAITLISTED)
                .order_by("waitlist_position", "pk")
                .only("pk", "waitlist_position")
            )
            for position, enrolment in enumerate(waiting, start=1):
                enrolment.waitlist_position = position
            Enrolment.objects.bulk_update(waiting, ["waitlist_position"], batch_size=500)
        if delta < 0:
            services.fill_free_seats(run, now)  # seats freed go to the people waiting


ENROLMENT_COLUMNS = {
    "run": ("code formation", "formation", "code", "run", "run code", "code session", "session"),
    "email": ("e mail", "email", "courriel", "adresse e mail", "mail"),
    "status": ("statut", "status", "etat", "inscription", "state"),
    "reason": ("motif", "raison", "reason", "commentaire", "remarque"),
}


def register() -> None:
    imports.register(
        imports.ImportKind(
            key="enrolments",
            label=gettext_lazy("Enrolments"),
            resource=EnrolmentResource,
            columns=ENROLMENT_COLUMNS,
            required=("run", "email", "status"),
            permission="maillage_lms.add_enrolment",
            order=30,
        )
    )
