"""Who may enrol in which run, computed from facts fetched once per person.

The catalogue and module pages show, for every run, what signing up would do before the
person clicks; fetching the person's facts once keeps those pages at a constant number of
queries whatever the number of runs. `services.enrol` asks the same questions under the lock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.translation import gettext

from network.models import MemberProfile, MemberStatus

from . import exceptions
from .models import ACTIVE, PENDING, Approval, CourseRun, Enrolment, EnrolmentStatus

# Belgian day/month order in every language (Django's English formats are American).
DATETIME = "d/m/Y H:i"


@dataclass(frozen=True)
class Facts:
    """What eligibility needs to know about one person."""

    member: bool
    served_commune_ids: frozenset[int] = frozenset()
    completed_module_ids: frozenset[int] = frozenset()
    # run id -> (status, module id, run code) of the person's enrolments that are not over
    enrolments: dict[int, tuple[str, int, str]] = field(default_factory=dict)


def facts_for(person) -> Facts:
    """Three queries, whatever the catalogue's size."""
    if not (person.is_authenticated and person.is_active):
        return Facts(member=False)
    profile = (
        MemberProfile.objects.filter(user=person, status=MemberStatus.ACTIVE)
        .only("id", "organisation_id")
        .first()
    )
    if profile is None:
        return Facts(member=False)
    served = frozenset(
        MemberProfile.objects.filter(pk=profile.pk)
        .exclude(organisation__communes=None)
        .values_list("organisation__communes", flat=True)
    )
    rows = Enrolment.objects.filter(person=person).values_list(
        "run_id", "status", "run__module_id", "run__code"
    )
    completed = frozenset(m for _r, s, m, _c in rows if s == EnrolmentStatus.COMPLETED)
    enrolments = {r: (s, m, c) for r, s, m, c in rows}
    return Facts(True, served, completed, enrolments)


def problem(
    facts: Facts,
    run: CourseRun,
    *,
    prerequisites: list,
    now: dt.datetime | None = None,
) -> exceptions.EnrolmentError | None:
    """The first reason why the person may not enrol in `run`, or None (the run's audience
    communes are read with `all()`: prefetch them for a listing)."""
    now = now or timezone.now()
    audience = list(run.audience_communes.all())
    if not facts.member:
        return exceptions.NotAMember()
    if run.is_cancelled:
        return exceptions.RunCancelled()
    if not run.module.live:
        return exceptions.ModuleNotPublished()
    if run.enrolment_opens and now < run.enrolment_opens:
        return exceptions.WindowNotOpen(
            gettext("Enrolment for this run opens on %(date)s.")
            % {"date": formats.date_format(timezone.localtime(run.enrolment_opens), DATETIME)}
        )
    closes = run.closes_at()
    if closes is not None and now >= closes:
        return exceptions.WindowClosed()
    if audience and not facts.served_commune_ids & {c.pk for c in audience}:
        names = ", ".join(c.name for c in audience)
        return exceptions.NotInAudience(
            str(exceptions.NotInAudience.default_message) % {"communes": names}
        )
    missing = [m for m in prerequisites if m.pk not in facts.completed_module_ids]
    if missing:
        return exceptions.MissingPrerequisites(
            str(exceptions.MissingPrerequisites.default_message)
            % {"modules": ", ".join(f"« {m.title} »" for m in missing)}
        )
    own = facts.enrolments.get(run.pk)
    if own is not None and own[0] in ACTIVE:
        return exceptions.AlreadyEnrolled()
    for run_id, (status, module_id, code) in facts.enrolments.items():
        if run_id != run.pk and module_id == run.module_id and status in PENDING:
            return exceptions.AlreadyInModule(
                str(exceptions.AlreadyInModule.default_message) % {"code": code}
            )
    return None


@dataclass(frozen=True)
class Outcome:
    """What signing up would do now: shown on the button before the person clicks."""

    status: str  # an EnrolmentStatus value, or "" when refused
    position: int | None = None
    refusal: str = ""


def outcome(run: CourseRun, waiting: int, found: exceptions.EnrolmentError | None) -> Outcome:
    """Confirmed when a seat is free and nobody waits, else waitlisted at the end; a request
    when the run asks for approval; nothing when `found` refuses."""
    if found is not None:
        return Outcome("", refusal=str(found.message))
    if run.approval != Approval.AUTOMATIC:
        return Outcome(EnrolmentStatus.REQUESTED)
    if waiting == 0 and run.seats_taken < run.capacity:
        return Outcome(EnrolmentStatus.CONFIRMED)
    return Outcome(EnrolmentStatus.WAITLISTED, position=waiting + 1)
