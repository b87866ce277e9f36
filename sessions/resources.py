"""Planning imports: facilitators' weekly availability and absences, and closures.

Availability is a set of windows: a row is new unless the very same window exists. An
absence is keyed by its person and first day, a closure like its uniqueness constraint
(kind, first day, reason, commune): a changed last day or reason updates it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields

from network import imports
from network.imports import NEW, UNCHANGED, Checked, ImportResource, fold, status_for
from network.models import Commune, MemberProfile
from network.permissions import coordinated_commune_ids
from network.tabular import parse_date

from .models import Absence, Availability, Closure, ClosureKind

User = get_user_model()
MAX_DAYS = 366

WEEKDAYS = {
    "lundi": 0,
    "monday": 0,
    "mon": 0,
    "lun": 0,
    "mardi": 1,
    "tuesday": 1,
    "tue": 1,
    "mar": 1,
    "mercredi": 2,
    "wednesday": 2,
    "wed": 2,
    "mer": 2,
    "jeudi": 3,
    "thursday": 3,
    "thu": 3,
    "jeu": 3,
    "vendredi": 4,
    "friday": 4,
    "fri": 4,
    "ven": 4,
    "samedi": 5,
    "saturday": 5,
    "sat": 5,
    "sam": 5,
    "dimanche": 6,
    "sunday": 6,
    "sun": 6,
    "dim": 6,
}
WEEKDAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_TIME = re.compile(r"^(?P<h>\d{1,2})\s*(?:[:hH.]\s*(?P<m>\d{2})?(?::(?P<s>\d{2}))?)?$")

CLOSURE_KINDS = {
    "local": ClosureKind.LOCAL,
    "locale": ClosureKind.LOCAL,
    "fermeture locale": ClosureKind.LOCAL,
    "local closure": ClosureKind.LOCAL,
    "public": ClosureKind.PUBLIC_HOLIDAY,
    "ferie": ClosureKind.PUBLIC_HOLIDAY,
    "jour ferie": ClosureKind.PUBLIC_HOLIDAY,
    "public holiday": ClosureKind.PUBLIC_HOLIDAY,
    "school": ClosureKind.SCHOOL_HOLIDAY,
    "scolaire": ClosureKind.SCHOOL_HOLIDAY,
    "conge scolaire": ClosureKind.SCHOOL_HOLIDAY,
    "conges scolaires": ClosureKind.SCHOOL_HOLIDAY,
    "vacances scolaires": ClosureKind.SCHOOL_HOLIDAY,
    "school holidays": ClosureKind.SCHOOL_HOLIDAY,
}


def parse_time(value: str) -> dt.time:
    """16:30, 16h30, 16h, 16.30, 9:00:00 (an XLSX time)."""
    match = _TIME.match((value or "").strip())
    if match:
        try:
            return dt.time(int(match["h"]), int(match["m"] or 0))
        except ValueError:
            pass
    raise ValueError(_("“%(value)s” is not a time: write it as 16:30 or 16h30.") % {"value": value})


def _too_long(checked: Checked, column: str, value: str, limit: int) -> None:
    if len(value) > limit:
        checked.error(column, _("Too long: at most %(count)s characters.") % {"count": limit})


def _dates(checked: Checked, row: dict[str, str]) -> tuple[dt.date, dt.date] | None:
    first = last = None
    try:
        first = parse_date(row.get("start_date", ""))
    except ValueError as error:
        checked.error("start_date", str(error))
    last_text = row.get("end_date", "").strip()
    if not last_text:
        last = first
    else:
        try:
            last = parse_date(last_text)
        except ValueError as error:
            checked.error("end_date", str(error))
    if first is None or last is None:
        return None
    if last < first:
        checked.error("end_date", _("The last day comes before the first."))
        return None
    if (last - first).days >= MAX_DAYS:
        checked.error("end_date", _("It lasts more than a year."))
        return None
    return first, last


class _PersonalPlanning(ImportResource):
    """Rows about members' own planning: a coordinator imports only for their communes'
    members (and for themselves)."""

    def _load_people(self, rows: list[dict[str, str]]) -> None:
        emails = {row.get("email", "").strip().lower() for row in rows} - {""}
        self.people = dict(
            MemberProfile.objects.annotate(e=Lower("user__email"))
            .filter(e__in=emails)
            .values_list("e", "user_id")
        )
        self.allowed: set[int] | None = None
        scope = coordinated_commune_ids(self.actor) if self.actor is not None else None
        if scope is not None:
            self.allowed = set(
                MemberProfile.objects.filter(
                    user_id__in=list(self.people.values()), communes__in=scope
                ).values_list("user_id", flat=True)
            )
            self.allowed.add(self.actor.pk)

    def _person(self, checked: Checked, row: dict[str, str]) -> int | None:
        email = row.get("email", "").strip()
        person_id = self.people.get(email.lower())
        if person_id is None:
            checked.error("email", _("No member has the address “%(email)s”.") % {"email": email})
        elif self.allowed is not None and person_id not in self.allowed:
            checked.error(
                "email",
                _("%(email)s is not a member of your communes: you cannot plan for them.")
                % {"email": email},
            )
            return None
        return person_id


# --- availability ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    person_id: int
    weekday: int
    start: dt.time
    end: dt.time


class AvailabilityResource(_PersonalPlanning):
    """Weekly windows (day, from, to) in which a member can staff sessions."""

    email = fields.Field(attribute="person__email", column_name="E-mail")
    weekday = fields.Field(column_name="Jour")
    start_time = fields.Field(column_name="De")
    end_time = fields.Field(column_name="À")

    class Meta:
        model = Availability
        fields = ("email", "weekday", "start_time", "end_time")
        export_order = ("email", "weekday", "start_time", "end_time")

    def dehydrate_weekday(self, availability: Availability) -> str:
        return WEEKDAY_NAMES[availability.weekday]

    def dehydrate_start_time(self, availability: Availability) -> str:
        return availability.start_time.strftime("%H:%M")

    def dehydrate_end_time(self, availability: Availability) -> str:
        return availability.end_time.strftime("%H:%M")

    def prepare(self, rows: list[dict[str, str]]) -> None:
        self._load_people(rows)
        self.existing = {
            Window(*values)
            for values in Availability.objects.filter(
                person_id__in=list(self.people.values())
            ).values_list("person_id", "weekday", "start_time", "end_time")
        }
        self.seen: set[Window] = set()

    def check(self, row: dict[str, str]) -> Checked:
        checked = Checked()
        person_id = self._person(checked, row)
        text = row.get("weekday", "").strip()
        weekday = WEEKDAYS.get(fold(text).rstrip("."))
        if weekday is None and text.isdigit() and 1 <= int(text) <= 7:
            weekday = int(text) - 1  # 1 is Monday, as in ISO 8601
        if weekday is None:
            checked.error(
                "weekday",
                _("“%(value)s” is not a day: write lundi … dimanche, or 1 (Monday) to 7.")
                % {"value": text},
            )
        times = []
        for column in ("start_time", "end_time"):
            try:
                times.append(parse_time(row.get(column, "")))
            except ValueError as error:
                checked.error(column, str(error))
        if len(times) == 2 and times[1] <= times[0]:
            checked.error("end_time", _("The end comes before the start."))
        if checked.errors or person_id is None or weekday is None:
            return checked
        window = Window(person_id, weekday, times[0], times[1])
        if window in self.seen:
            checked.error("weekday", _("This window appears twice in the file."))
            return checked
        self.seen.add(window)
        checked.payload = window
        checked.status = UNCHANGED if window in self.existing else NEW
        return checked

    def write(self, checked: list[Checked]) -> None:
        Availability.objects.bulk_create(
            [
                Availability(
                    person_id=w.person_id, weekday=w.weekday, start_time=w.start, end_time=w.end
                )
                for w in (c.payload for c in checked)
            ],
            batch_size=500,
        )


# --- absences -------------------------------------------------------------------------------


@dataclass
class AbsenceRow:
    person_id: int
    start: dt.date
    end: dt.date
    reason: str
    existing: Absence | None


class AbsenceResource(_PersonalPlanning):
    """Days a member cannot staff, keyed by person and first day; the reason stays private."""

    email = fields.Field(attribute="person__email", column_name="E-mail")
    start_date = fields.Field(column_name="Premier jour")
    end_date = fields.Field(column_name="Dernier jour")
    reason = fields.Field(attribute="private_reason", column_name="Motif (privé)")

    class Meta:
        model = Absence
        fields = ("email", "start_date", "end_date", "reason")
        export_order = ("email", "start_date", "end_date", "reason")

    def dehydrate_start_date(self, absence: Absence) -> str:
        return absence.start_date.strftime("%d/%m/%Y")

    def dehydrate_end_date(self, absence: Absence) -> str:
        return absence.end_date.strftime("%d/%m/%Y")

    def prepare(self, rows: list[dict[str, str]]) -> None:
        self._load_people(rows)
        self.existing: dict[tuple[int, dt.date], Absence] = {}
        for absence in Absence.objects.filter(person_id__in=list(self.people.values())).order_by(
            "pk"
        ):
            self.existing.setdefault((absence.person_id, absence.start_date), absence)
        self.seen: set[tuple[int, dt.date]] = set()

    def check(self, row: dict[str, str]) -> Checked:
        checked = Checked()
        person_id = self._person(checked, row)
        dates = _dates(checked, row)
        reason = " ".join(row.get("reason", "").split())
        _too_long(checked, "reason", reason, 200)
        if checked.errors or person_id is None or dates is None:
            return checked
        key = (person_id, dates[0])
        if key in self.seen:
            checked.error("start_date", _("This absence appears twice in the file."))
            return checked
        self.seen.add(key)
        existing = self.existing.get(key)
        if "reason" not in row and existing is not None:
            # A file without the column (an export never shows the private reason) keeps it.
            reason = existing.private_reason
        checked.payload = AbsenceRow(person_id, dates[0], dates[1], reason, existing)
        checked.status = status_for(existing, {"end_date": dates[1], "private_reason": reason})
        return checked

    def write(self, checked: list[Checked]) -> None:
        rows: list[AbsenceRow] = [c.payload for c in checked]
        Absence.objects.bulk_create(
            [
                Absence(
                    person_id=r.person_id,
                    start_date=r.start,
                    end_date=r.end,
                    private_reason=r.reason,
                )
                for r in rows
                if r.existing is None
            ],
            batch_size=500,
        )
        changed = []
        for r in rows:
            if r.existing is not None:
                r.existing.end_date, r.existing.private_reason = r.end, r.reason
                changed.append(r.existing)
        Absence.objects.bulk_update(changed, ["end_date", "private_reason"], batch_size=500)


# --- closures -------------------------------------------------------------------------------


@dataclass
class ClosureRow:
    commune: Commune | None
    kind: str
    start: dt.date
    end: dt.date
    reason: str
    existing: Closure | None


class ClosureResource(ImportResource):
    """Days without sessions, of one commune or (commune empty) of the whole network."""

    commune = fields.Field(attribute="commune__name", column_name="Commune")
    start_date = fields.Field(column_name="Premier jour")
    end_date = fields.Field(column_name="Dernier jour")
    reason = fields.Field(attribute="reason", column_name="Motif")
    kind = fields.Field(column_name="Type")

    class Meta:
        model = Closure
        fields = ("commune", "start_date", "end_date", "reason", "kind")
        export_order = ("commune", "start_date", "end_date", "reason", "kind")

    def dehydrate_start_date(self, closure: Closure) -> str:
        return closure.start_date.strftime("%d/%m/%Y")

    def dehydrate_end_date(self, closure: Closure) -> str:
        return closure.end_date.strftime("%d/%m/%Y")

    def dehydrate_kind(self, closure: Closure) -> str:
        return str(closure.get_kind_display())

    def prepare(self, rows: list[dict[str, str]]) -> None:
        self.communes: dict[str, Commune] = {}
        for commune in Commune.objects.all():
            self.communes[fold(commune.name)] = commune
            self.communes.setdefault(fold(commune.slug), commune)
            if commune.postal_code:
                self.communes.setdefault(commune.postal_code, commune)
        self.kinds: dict[str, str] = dict(CLOSURE_KINDS)
        for value, label in ClosureKind.choices:
            self.kinds.setdefault(fold(str(label)), value)
        self.existing = {
            (c.commune_id, c.kind, c.start_date, c.reason.casefold()): c
            for c in Closure.objects.order_by("-pk")
        }
        self.scope = coordinated_commune_ids(self.actor) if self.actor is not None else None
        self.seen: set[tuple] = set()

    def check(self, row: dict[str, str]) -> Checked:
        checked = Checked()
        name = row.get("commune", "").strip()
        commune = self.communes.get(fold(name)) if name else None
        if name and commune is None:
            checked.error("commune", _("Unknown commune: “%(name)s”.") % {"name": name})
        elif self.scope is not None:
            if commune is None:
                checked.error(
                    "commune",
                    _("Only the network coordination closes every commune: name yours."),
                )
            elif commune.pk not in self.scope:
                checked.error(
                    "commune",
                    _("You do not coordinate %(commune)s: you cannot close it.")
                    % {"commune": commune.name},
                )
        kind_text = row.get("kind", "").strip()
        kind = self.kinds.get(fold(kind_text)) if kind_text else ClosureKind.LOCAL
        if kind is None:
            checked.error(
                "kind",
                _("“%(value)s” is not a kind of closure: write locale, férié or scolaire.")
                % {"value": kind_text},
            )
        reason = " ".join(row.get("reason", "").split())
        if not reason:
            checked.error("reason", _("The reason is missing."))
        _too_long(checked, "reason", reason, 200)
        dates = _dates(checked, row)
        if checked.errors or dates is None or kind is None:
            return checked
        key = (commune.pk if commune else None, kind, dates[0], reason.casefold())
        if key in self.seen:
            checked.error("reason", _("This closure appears twice in the file."))
            return checked
        self.seen.add(key)
        existing = self.existing.get(key)
        checked.payload = ClosureRow(commune, kind, dates[0], dates[1], reason, existing)
        checked.status = status_for(existing, {"end_date": dates[1], "reason": reason})
        return checked

    def write(self, checked: list[Checked]) -> None:
        rows: list[ClosureRow] = [c.payload for c in checked]
        Closure.objects.bulk_create(
            [
                Closure(
                    commune=r.commune,
                    kind=r.kind,
                    start_date=r.start,
                    end_date=r.end,
                    reason=r.reason,
                    source="import",
                )
                for r in rows
                if r.existing is None
            ],
            batch_size=500,
        )
        changed = []
        for r in rows:
            if r.existing is not None:
                r.existing.end_date, r.existing.reason = r.end, r.reason
                changed.append(r.existing)
        Closure.objects.bulk_update(changed, ["end_date", "reason"], batch_size=500)


EMAIL = ("e mail", "email", "courriel", "adresse e mail", "mail")
FIRST_DAY = ("premier jour", "du", "debut", "date de debut", "first day", "from", "start")
LAST_DAY = ("dernier jour", "au", "fin", "date de fin", "last day", "to", "end", "until")

AVAILABILITY_COLUMNS = {
    "email": EMAIL,
    "weekday": ("jour", "jour de la semaine", "day", "weekday"),
    "start_time": ("de", "debut", "heure de debut", "from", "start", "start time"),
    "end_time": ("a", "fin", "jusqu a", "heure de fin", "to", "end", "end time", "until"),
}
ABSENCE_COLUMNS = {
    "email": EMAIL,
    "start_date": FIRST_DAY,
    "end_date": LAST_DAY,
    "reason": ("motif", "motif prive", "motif (prive)", "raison", "reason", "private reason"),
}
CLOSURE_COLUMNS = {
    "commune": ("commune", "municipality", "localite"),
    "start_date": FIRST_DAY,
    "end_date": LAST_DAY,
    "reason": ("motif", "raison", "reason", "intitule", "titre", "title"),
    "kind": ("type", "kind", "genre", "categorie"),
}


def register() -> None:
    for key, label, resource, columns, required, model, order in (
        (
            "availability",
            gettext_lazy("Facilitator availability"),
            AvailabilityResource,
            AVAILABILITY_COLUMNS,
            ("email", "weekday", "start_time", "end_time"),
            "availability",
            60,
        ),
        (
            "absences",
            gettext_lazy("Absences"),
            AbsenceResource,
            ABSENCE_COLUMNS,
            ("email", "start_date"),
            "absence",
            70,
        ),
        (
            "closures",
            gettext_lazy("Closures"),
            ClosureResource,
            CLOSURE_COLUMNS,
            ("start_date", "reason"),
            "closure",
            80,
        ),
    ):
        imports.register(
            imports.ImportKind(
                key=key,
                label=label,
                resource=resource,
                columns=columns,
                required=required,
                permission=f"maillage_sessions.add_{model}",
                order=order,
            )
        )
