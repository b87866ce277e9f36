"""Demo support groups: two programmes, three cycles (Esneux running, Sprimont open for
referrals, Aywaille in planning), weekly meetings on Wednesday afternoons outside school
holidays, the Esneux group run in pairs with one seat left open by an absence, children
known by an alias, with consents, safety instructions and attendance at past meetings.

The facilitators are the demo's (`animateur`, `anim-01` to `anim-07`): qualified by their
Pôle Ressources certificate (PR-VEP) and the network's course (RES-GRP), anim-01's and
anim-02's PR-VEP expiring within two months (hub.demo.certificates), so that later meetings
show them as no longer qualified.

Idempotent (programmes keyed by name, cycles by name, children by a code derived from their
cycle and alias, other rows by natural keys); each cycle is dated from the day it is first
loaded, then kept as it is, so deterministic for a given day. Fake people only; nobody is
e-mailed: assignments, the absence and attendance are written directly, as the intervision
staff of `agenda` are. Runs after `agenda` (venues, holidays) and `certificates`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from certificates import qualifications
from groups.models import (
    CODE_ALPHABET,
    Audience,
    Consent,
    ConsentScope,
    Cycle,
    CycleStatus,
    Guardian,
    LeftReason,
    MeetingAttendance,
    MeetingAttendanceStatus,
    Membership,
    MembershipStatus,
    Participant,
    Programme,
    ReferralSource,
    SafetyInstruction,
    SafetyKind,
)
from lms.models import ModulePage
from network.models import Commune
from sessions import services as session_services
from sessions.models import (
    Absence,
    Assignment,
    Series,
    SeriesDate,
    Session,
    SessionStatus,
    StaffRole,
    Venue,
)

ZONE = zoneinfo.ZoneInfo("Europe/Brussels")
WEDNESDAY = 2
AT = dt.time(14, 0)
MINUTES = 90
REQUIRED_MODULES = ("PR-VEP", "RES-GRP")
CONTACT = (
    "Coordination du réseau intrafamilial Secova (Chaudfontaine) — "
    "groupes@reseau-secova.example ; ou la coordination de votre commune"
)

# name, audience, ages, description
PROGRAMMES = (
    (
        "Groupe de parole enfants 6–11 ans",
        Audience.CHILDREN,
        (6, 11),
        "Dix rencontres en petit groupe, hors vacances scolaires, pour les enfants exposés aux "
        "violences dans leur famille : mettre des mots sur ce qu'ils vivent, comprendre qu'ils "
        "n'y sont pour rien, apprendre à se protéger. Deux animateur·rices formé·es, toujours "
        "les mêmes ; les parents sont rencontrés avant et après le groupe.",
    ),
    (
        "Groupe adolescents 12–17 ans",
        Audience.ADOLESCENTS,
        (12, 17),
        "Un groupe pour les jeunes de 12 à 17 ans témoins ou victimes de violences "
        "intrafamiliales : parler entre pairs, reconnaître les violences, y compris dans leurs "
        "propres relations, et savoir à qui s'adresser.",
    ),
)

# Venues of the groups: confidential (the address is given to the families at intake).
GROUP_VENUES = {
    "Sprimont": ("Espace enfance", "Adresse communiquée aux familles lors de l'entretien"),
    "Aywaille": ("Local jeunesse", "Adresse communiquée aux familles lors de l'entretien"),
}


@dataclass(frozen=True)
class Child:
    """A fake child: an alias only, an age, who referred them, where they stand."""

    alias: str
    age: int
    source: str
    status: str
    guardian: str = Guardian.MOTHER
    scope: str = ConsentScope.PARTICIPATION
    needs: str = ""
    # (kind, who, note)
    safety: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class CycleSpec:
    name: str
    programme: str
    commune: str
    venue: str  # the venue's name in the commune
    status: str
    public_title: str
    coordinator: str
    first_week: int  # weeks from today to the first meeting (negative: already started)
    meetings: int
    children: tuple[Child, ...] = field(default_factory=tuple)


PICKUP, NEVER_HAND_OVER, NEVER_CONTACT = (
    SafetyKind.AUTHORISED_PICKUP,
    SafetyKind.NEVER_HAND_OVER,
    SafetyKind.NEVER_CONTACT,
)

ESNEUX = CycleSpec(
    name="Groupe 6–11 ans — Esneux",
    programme="Groupe de parole enfants 6–11 ans",
    commune="Esneux",
    venue="Local d'accueil",
    status=CycleStatus.RUNNING,
    public_title="Groupe enfants — Esneux",
    coordinator="coord-esneux",
    first_week=-5,
    meetings=11,
    children=(
        Child(
            "Léo",
            8,
            ReferralSource.POLICE,
            MembershipStatus.ADMITTED,
            scope=ConsentScope.PARTICIPATION_CONTACT,
            safety=(
                (PICKUP, "Sa mère", ""),
                (
                    NEVER_HAND_OVER,
                    "Marc Delcour (le père)",
                    "Interdiction de contact : ne jamais lui confier l'enfant, prévenir la "
                    "coordination et appeler le 101 s'il se présente.",
                ),
            ),
        ),
        Child(
            "Inès",
            10,
            ReferralSource.SCHOOL,
            MembershipStatus.ADMITTED,
            guardian=Guardian.BOTH,
            needs="Allergie aux arachides",
            safety=((PICKUP, "Sa grand-mère maternelle, Josiane Lambert", ""),),
        ),
        Child(
            "Noah",
            7,
            ReferralSource.CPAS,
            MembershipStatus.ADMITTED,
            safety=(
                (PICKUP, "Sa mère", ""),
                (PICKUP, "Sa tante, Sophie Renard", "Le mercredi seulement"),
            ),
        ),
        Child(
            "Lina",
            9,
            ReferralSource.SOS_ENFANTS,
            MembershipStatus.ADMITTED,
            guardian=Guardian.SERVICE,
            safety=(
                (PICKUP, "L'éducatrice du service de placement", ""),
                (NEVER_CONTACT, "Thierry Gosset (le beau-père)", ""),
            ),
        ),
        Child(
            "Sami",
            11,
            ReferralSource.PMS,
            MembershipStatus.ADMITTED,
            guardian=Guardian.FATHER,
            needs="Asthme : inhalateur dans son sac",
            safety=((PICKUP, "Son père", ""),),
        ),
        Child(
            "Jade",
            6,
            ReferralSource.PARENT,
            MembershipStatus.ADMITTED,
            safety=((PICKUP, "Sa mère", ""),),
        ),
        Child(
            "Tom",
            9,
            ReferralSource.POLICE,
            MembershipStatus.LEFT,
            safety=((PICKUP, "Sa mère", ""),),
        ),
    ),
)
SPRIMONT = CycleSpec(
    name="Groupe 6–11 ans — Sprimont",
    programme="Groupe de parole enfants 6–11 ans",
    commune="Sprimont",
    venue="Espace enfance",
    status=CycleStatus.OPEN,
    public_title="Groupe enfants — Sprimont",
    coordinator="coord-sprimont",
    first_week=5,
    meetings=12,
    children=(
        Child(
            "Emma",
            8,
            ReferralSource.SCHOOL,
            MembershipStatus.INTAKE_DONE,
            safety=((PICKUP, "Sa mère", ""), (PICKUP, "Son grand-père, André Simon", "")),
        ),
        Child("Nathan", 10, ReferralSource.CPAS, MembershipStatus.REFERRED),
        Child("Mila", 7, ReferralSource.SAJ_SPJ, MembershipStatus.REFERRED),
    ),
)
AYWAILLE = CycleSpec(
    name="Groupe 12–17 ans — Aywaille",
    programme="Groupe adolescents 12–17 ans",
    commune="Aywaille",
    venue="Local jeunesse",
    status=CycleStatus.PLANNING,
    public_title="Groupe adolescents — Aywaille",
    coordinator="coord-aywaille",
    first_week=10,
    meetings=12,
    children=(Child("Yanis", 14, ReferralSource.POLICE, MembershipStatus.REFERRED),),
)
CYCLES = (ESNEUX, SPRIMONT, AYWAILLE)

# The Esneux pair; the colleague declared an absence on the first meeting after the demo was
# loaded (a gap for the coordinator to fill), and the last meetings are still to plan.
LEAD, COLLEAGUE = "animateur", "anim-03"
UNPLANNED = 3
ABSENCE_REASON = "Congé"


def load_groups(communes: dict[str, Commune], today: dt.date) -> dict[str, int]:
    """Programmes, cycles, meetings, staff, children and attendance; returns a few counts."""
    programmes = _programmes()
    venues = _venues(communes)
    users = _users()
    for spec in CYCLES:
        cycle = _cycle(spec, programmes, communes, venues, users, today)
        _children(spec, cycle)
    _staff_esneux(Cycle.objects.get(name=ESNEUX.name), users)
    _attendance(Cycle.objects.get(name=ESNEUX.name), users[LEAD])
    return {
        "programmes": Programme.objects.count(),
        "cycles": Cycle.objects.count(),
        "participants": Participant.objects.count(),
    }


def _users() -> dict[str, Any]:
    wanted = {LEAD, COLLEAGUE, *(spec.coordinator for spec in CYCLES)}
    found = {u.username: u for u in get_user_model().objects.filter(username__in=wanted)}
    missing = wanted - set(found)
    if missing:
        raise RuntimeError(f"Demo accounts missing: {sorted(missing)} (load the network first).")
    return found


def _programmes() -> dict[str, Programme]:
    modules = list(ModulePage.objects.filter(code__in=REQUIRED_MODULES).order_by("pk"))
    made = {}
    for name, audience, (age_min, age_max), description in PROGRAMMES:
        programme, _ = Programme.objects.update_or_create(
            name=name,
            defaults={
                "audience": audience,
                "age_min": age_min,
                "age_max": age_max,
                "min_size": 4,
                "max_size": 8,
                "facilitators_per_meeting": 2,
                "public_description": description,
                "contact": CONTACT,
                "active": True,
            },
        )
        if set(programme.required_modules.all()) != set(modules):
            programme.required_modules.set(modules)
        made[name] = programme
    return made


def _venues(communes: dict[str, Commune]) -> dict[tuple[str, str], Venue]:
    for commune, (name, address) in GROUP_VENUES.items():
        Venue.objects.get_or_create(
            name=name,
            commune=communes[commune],
            defaults={"address": address, "capacity": 12, "confidential_address": True},
        )
    return {(v.commune.name, v.name): v for v in Venue.objects.select_related("commune")}


# --- cycles and their meetings ----------------------------------------------------------------


def _qualified_from(users, today: dt.date) -> dt.date:
    """The day from which the Esneux pair holds every required certificate (the group began
    once they were trained: its first meetings are after their course)."""
    modules = list(
        ModulePage.objects.filter(code__in=REQUIRED_MODULES).values_list("pk", flat=True)
    )
    people = [users[LEAD].pk, users[COLLEAGUE].pk]
    found = qualifications.load(people, modules)
    starts = [
        min((w.start for w in found.windows(person, module) if w.covers(today)), default=today)
        for person in people
        for module in modules
    ]
    return max(starts, default=today)


def _wednesdays(
    spec: CycleSpec, series: Series, today: dt.date, earliest: dt.date
) -> list[dt.date]:
    """`spec.meetings` Wednesdays from `spec.first_week` weeks from today (and not before
    `earliest`), outside school holidays and public holidays (the closures `agenda` loaded). A
    running group also meets on the last Wednesday before today, holidays or not, so that a
    facilitator always has a recent meeting whose attendance to take (unless it was a public
    holiday)."""
    closed = session_services.closed_days(
        Series(commune=series.commune, skip_public_holidays=True, skip_school_holidays=True)
    )
    day = max(today + dt.timedelta(weeks=spec.first_week), earliest + dt.timedelta(days=1))
    day += dt.timedelta(days=(WEDNESDAY - day.weekday()) % 7)
    days: list[dt.date] = []
    while len(days) < spec.meetings:
        if closed.reason(day, series.commune_id) is None:
            days.append(day)
        day += dt.timedelta(weeks=1)
    if spec.status == CycleStatus.RUNNING:
        recent = today - dt.timedelta(days=(today.weekday() - WEDNESDAY - 1) % 7 + 1)
        if recent not in days and not _public_holiday(recent):
            days = sorted([*days, recent])[: spec.meetings]
    return days


def _public_holiday(day: dt.date) -> bool:
    import holidays

    return day in holidays.country_holidays("BE", years=day.year)


def _cycle(spec, programmes, communes, venues, users, today: dt.date) -> Cycle:
    """The cycle and its series of dated meetings, made once."""
    cycle = Cycle.objects.filter(name=spec.name).first()
    if cycle is not None:
        return cycle
    commune = communes[spec.commune]
    venue = venues[(spec.commune, spec.venue)]
    series = Series(
        title=spec.name,
        public_title=spec.public_title,
        commune=commune,
        venue=venue,
        mode=Series.Mode.DATES,
        start_time=AT,
        duration_minutes=MINUTES,
        # The dates are chosen outside school holidays; a coordinator may add one in them.
        skip_public_holidays=True,
        skip_school_holidays=False,
        skip_local_closures=True,
    )
    earliest = _qualified_from(users, today) if spec.status == CycleStatus.RUNNING else today
    days = _wednesdays(spec, series, today, earliest)
    series.start_date = days[0]
    series.save()
    SeriesDate.objects.bulk_create(SeriesDate(series=series, date=day) for day in days)
    session_services.regenerate(series, until=days[-1])
    intake_opens = days[0] - dt.timedelta(weeks=8)
    cycle = Cycle(
        programme=programmes[spec.programme],
        name=spec.name,
        commune=commune,
        venue=venue,
        series=series,
        coordinator=users[spec.coordinator],
        status=spec.status,
        intake_opens=intake_opens,
        intake_closes=days[0] - dt.timedelta(weeks=1),
        monthly_max=4,
        keep_pairs=True,
    )
    cycle.save()
    return cycle


def _meetings(cycle: Cycle) -> list[Session]:
    return list(
        Session.objects.filter(series=cycle.series)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("start")
    )


# --- children -----------------------------------------------------------------------------


def _code(cycle: Cycle, alias: str) -> str:
    """A participant code derived from the demo cycle and alias: the same on every load."""
    digest = hashlib.sha256(f"maillage-demo:{cycle.name}:{alias}".encode()).digest()
    raw = "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:8])
    return f"P-{raw[:4]}-{raw[4:]}"


def _children(spec: CycleSpec, cycle: Cycle) -> None:
    meetings = _meetings(cycle)
    first_day = timezone.localtime(meetings[0].start, ZONE).date()
    referred = first_day - dt.timedelta(weeks=6)
    for index, child in enumerate(spec.children):
        participant, _ = Participant.objects.get_or_create(
            code=_code(cycle, child.alias),
            defaults={
                "alias": child.alias,
                "birth_year": cycle.created_at.year - child.age,
                "referral_source": child.source,
                "practical_needs": child.needs,
                "commune": cycle.commune,
            },
        )
        referred_on = referred + dt.timedelta(days=3 * index)
        intake_on = referred_on + dt.timedelta(days=10)
        dates: dict[str, Any] = {"referred_on": referred_on}
        if child.status != MembershipStatus.REFERRED:
            dates["intake_on"] = intake_on
        if child.status in (MembershipStatus.ADMITTED, MembershipStatus.LEFT):
            dates["admitted_on"] = first_day - dt.timedelta(weeks=1)
        if child.status == MembershipStatus.LEFT:
            # Moved away after the first meeting.
            dates["left_on"] = first_day + dt.timedelta(days=3)
            dates["left_reason"] = LeftReason.MOVED
        Membership.objects.get_or_create(
            cycle=cycle, participant=participant, defaults={"status": child.status, **dates}
        )
        if child.status != MembershipStatus.REFERRED:
            Consent.objects.get_or_create(
                participant=participant,
                guardian=child.guardian,
                given_on=intake_on,
                defaults={"scope": child.scope},
            )
        for kind, who, note in child.safety:
            SafetyInstruction.objects.get_or_create(
                participant=participant, kind=kind, who=who, defaults={"note": note}
            )


# --- the Esneux pair, its gap and its attendance ---------------------------------------------


def _staff_esneux(cycle: Cycle, users) -> None:
    """animateur and anim-03 at each meeting, but the last ones (still to plan) and anim-03's
    seat on the first meeting after the demo was loaded (an absence: a gap)."""
    lead, colleague = users[LEAD], users[COLLEAGUE]
    meetings = _meetings(cycle)
    planned = meetings[: len(meetings) - UNPLANNED]
    gap = next((m for m in meetings if m.start > cycle.created_at), None)
    if gap is not None:
        day = timezone.localtime(gap.start, ZONE).date()
        Absence.objects.get_or_create(
            person=colleague,
            start_date=day,
            end_date=day,
            defaults={"private_reason": ABSENCE_REASON},
        )
    # The cycle's monthly maximum, counting the group meetings each already facilitates.
    months: Counter[tuple[int, int, int]] = Counter()
    for person_id, start in Assignment.objects.filter(
        person__in=[lead, colleague],
        role__in=(StaffRole.LEAD, StaffRole.CO),
        session__series__support_cycle__isnull=False,
    ).values_list("person_id", "session__start"):
        local = timezone.localtime(start, ZONE)
        months[(person_id, local.year, local.month)] += 1
    taken = set(
        Assignment.objects.filter(session__in=planned).values_list("session_id", "person_id")
    )
    for session in planned:
        local = timezone.localtime(session.start, ZONE)
        for person, role in ((lead, StaffRole.LEAD), (colleague, StaffRole.CO)):
            if person is colleague and session == gap:
                continue
            if (session.pk, person.pk) in taken:
                continue
            if months[(person.pk, local.year, local.month)] >= cycle.monthly_max:
                continue
            Assignment.objects.create(
                session=session,
                person=person,
                role=role,
                created_by=cycle.coordinator,
                created_at=cycle.created_at,
            )
            months[(person.pk, local.year, local.month)] += 1


def _attendance(cycle: Cycle, marker) -> None:
    """Attendance of the meetings held before the demo was loaded, but the latest one: its
    facilitators still have it to take."""
    held = [m for m in _meetings(cycle) if m.end <= cycle.created_at][:-1]
    memberships = list(
        Membership.objects.filter(cycle=cycle)
        .filter(Q(status=MembershipStatus.ADMITTED) | Q(status=MembershipStatus.LEFT))
        .select_related("participant")
        .order_by("participant__alias")
    )
    for number, session in enumerate(held):
        day = timezone.localtime(session.start, ZONE).date()
        for index, membership in enumerate(memberships):
            if membership.left_on is not None and membership.left_on <= day:
                continue
            turn = (number * 3 + index) % 9
            status = MeetingAttendanceStatus.PRESENT
            if turn == 4:
                status = MeetingAttendanceStatus.ABSENT
            elif turn == 7:
                status = MeetingAttendanceStatus.EXCUSED
            MeetingAttendance.objects.get_or_create(
                membership=membership,
                session=session,
                defaults={
                    "status": status,
                    "marked_by": marker,
                    "marked_at": session.end + dt.timedelta(minutes=10),
                },
            )
