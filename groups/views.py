"""The facilitator space (/mes-groupes/) and the public programme pages (thin views:
permission -> form -> service -> response)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from network import audit, roles
from network.exceptions import NetworkError
from network.permissions import standing
from sessions.models import Absence, Assignment, Availability, Session, SessionStatus

from . import roster, rules, services
from .forms import AbsenceForm, AvailabilityForm, SwapForm
from .models import (
    Cycle,
    CycleStatus,
    MeetingAttendance,
    MeetingAttendanceStatus,
    Programme,
    SafetyKind,
    Swap,
    SwapStatus,
)

PAST_DAYS = 30
MAX_ID = 2**63 - 1  # a larger id in a URL cannot be compared on SQLite (OverflowError)
ATTENDANCE_OPENS = services.ATTENDANCE_OPENS
SWAP_HORIZON_DAYS = 90  # colleagues' meetings offered: up to this long after one's own
SWAP_MEETINGS_SHOWN = 200
PUBLIC_STATUSES = (CycleStatus.PLANNING, CycleStatus.OPEN, CycleStatus.RUNNING)


def _name(person) -> str:
    return person.get_full_name() or person.get_username()


def _private(response: HttpResponse) -> HttpResponse:
    # Children's names, safety instructions, confidential addresses: no cache keeps them and
    # no search engine lists the page.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _group_meeting_seats(person):
    """The person's seats (lead or co) at support-group meetings."""
    return Assignment.objects.filter(
        person=person,
        role__in=roster.FACILITATING,
        session__series__support_cycle__isnull=False,
    )


def is_facilitator(user) -> bool:
    return bool(user.is_authenticated and standing(user).has(roles.FACILITATOR))


def _facilitates(user) -> bool:
    """The facilitator role, or a seat at a group meeting (a coordinator who co-facilitates)."""
    return is_facilitator(user) or _group_meeting_seats(user).exists()


def _not_for_you(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "groups/not_facilitator.html", status=403))


def _address(venue) -> str:
    """The full address: the people assigned there may know it, even a confidential one."""
    if venue is None:
        return ""
    return ", ".join(part for part in (venue.name, venue.address, str(venue.commune)) if part)


def _local(moment: dt.datetime, session: Session) -> dt.datetime:
    """Naive local time of the series' zone: templates must not convert it again."""
    return timezone.localtime(moment, session.series.zone).replace(tzinfo=None)


def _in_reach(cycle: Cycle, now: dt.datetime) -> bool:
    """The facilitators' look-back period, as in groups.rules."""
    if cycle.status != CycleStatus.CLOSED:
        return True
    cutoff = now - dt.timedelta(days=rules.access_days())
    return cycle.closed_at is not None and cycle.closed_at >= cutoff


# --- /mes-groupes/ ----------------------------------------------------------------------------


@dataclass
class MeetingRow:
    session: Session
    cycle: Cycle
    start: dt.datetime
    end: dt.datetime
    role: str
    venue: str
    co_facilitators: list[str] = field(default_factory=list)
    cancelled: bool = False
    attendance_open: bool = False
    attendance_taken: bool = False
    swap_pending: bool = False
    swappable: bool = False
    past: bool = False


@dataclass
class CycleBlock:
    cycle: Cycle
    meetings: list[MeetingRow]


def _meeting_rows(user, now: dt.datetime) -> list[MeetingRow]:
    seats = list(
        _group_meeting_seats(user)
        .filter(session__end__gte=now - dt.timedelta(days=PAST_DAYS))
        .select_related(
            "session__series__support_cycle__programme",
            "session__series__support_cycle__commune",
            "session__series__support_cycle__venue__commune",
            "session__series__venue__commune",
            "session__venue__commune",
        )
        .annotate(taken=Exists(MeetingAttendance.objects.filter(session_id=OuterRef("session_id"))))
        .order_by("session__start", "session_id")
    )
    ids = [seat.session_id for seat in seats]
    others: dict[int, list[str]] = {}
    for other in (
        Assignment.objects.filter(session_id__in=ids, role__in=roster.FACILITATING)
        .exclude(person=user)
        .select_related("person")
        .order_by("person__last_name", "person__first_name")
    ):
        others.setdefault(other.session_id, []).append(_name(other.person))
    rows = []
    for seat in seats:
        session = seat.session
        cycle = session.series.support_cycle
        venue = session.venue or session.series.venue or cycle.venue
        cancelled = session.status == SessionStatus.CANCELLED
        rows.append(
            MeetingRow(
                session=session,
                cycle=cycle,
                start=_local(session.start, session),
                end=_local(session.end, session),
                role=seat.get_role_display(),
                venue=_address(venue),
                co_facilitators=others.get(session.pk, []),
                cancelled=cancelled,
                attendance_open=(
                    not cancelled
                    and session.start - ATTENDANCE_OPENS <= now
                    and _in_reach(cycle, now)
                ),
                attendance_taken=seat.taken,
                swappable=not cancelled and session.start > now,
                past=session.end < now,
            )
        )
    return rows


@dataclass
class SwapRow:
    swap: Swap
    mine: bool
    meeting: str
    counterpart: str
    requester: str
    colleague: str


def _pending_swaps(user) -> list[SwapRow]:
    swaps = (
        Swap.objects.filter(status=SwapStatus.PROPOSED)
        .filter(Q(requester=user) | Q(colleague=user))
        # The series' commune: a series without a public title is called after it.
        .select_related(
            "session__series__commune", "counterpart__series__commune", "requester", "colleague"
        )
        .order_by("session__start", "pk")
    )
    return [
        SwapRow(
            swap=swap,
            mine=swap.requester_id == user.pk,
            meeting=SwapForm.meeting_label(swap.session),
            counterpart=SwapForm.meeting_label(swap.counterpart) if swap.counterpart_id else "",
            requester=_name(swap.requester),
            colleague=_name(swap.colleague),
        )
        for swap in swaps
    ]


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    """The facilitator's meetings: upcoming ones by cycle, the last month's, pending swaps."""
    user = request.user
    if not _facilitates(user):
        return _not_for_you(request)
    now = timezone.now()
    rows = _meeting_rows(user, now)
    swaps = _pending_swaps(user)
    pending = {row.swap.session_id for row in swaps if row.mine}
    cycles: dict[int, CycleBlock] = {}
    past = []
    for row in rows:
        row.swap_pending = row.session.pk in pending
        if row.past:
            past.append(row)
        else:
            cycles.setdefault(row.cycle.pk, CycleBlock(row.cycle, [])).meetings.append(row)
    past.reverse()  # the most recent first
    return _private(
        render(
            request,
            "groups/mine.html",
            {"cycles": list(cycles.values()), "past": past, "swaps": swaps},
        )
    )


# --- attendance -------------------------------------------------------------------------------


@dataclass
class SheetRow:
    membership_id: int
    alias: str
    code: str
    practical_needs: str
    alerts: list[tuple[str, str, str]]  # kind, who, note
    pickups: list[tuple[str, str]]  # who, note
    status: str


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    """The attendance sheet of one meeting, with each child's safety instructions."""
    session = (
        Session.objects.select_related(
            "series__support_cycle__programme",
            "series__support_cycle__venue__commune",
            "series__venue__commune",
            "venue__commune",
        )
        .filter(pk=session_id)
        .first()
    )
    # The same answer whether the meeting does not exist or is someone else's.
    if session is None or not services.may_take_attendance(request.user, session):
        raise Http404
    cycle = session.series.support_cycle
    memberships = list(services.attendance_sheet_memberships(session))
    recorded = dict(
        MeetingAttendance.objects.filter(
            session=session, membership_id__in=[m.pk for m in memberships]
        ).values_list("membership_id", "status")
    )
    now = timezone.now()
    cancelled = session.status == SessionStatus.CANCELLED
    not_yet = session.start - ATTENDANCE_OPENS > now
    chosen = recorded
    error = ""
    if request.method == "POST":
        chosen = {}
        for membership in memberships:
            value = request.POST.get(f"status-{membership.pk}", "")
            if value:
                chosen[membership.pk] = value
        if cancelled:
            error = _("This meeting is cancelled: there is no attendance to take.")
        elif not chosen:
            error = _("Choose present, absent or excused for at least one child.")
        else:
            try:
                written = services.mark_attendance(request.user, session, chosen, origin="front")
            except NetworkError as failure:
                error = str(failure.message)
            else:
                messages.success(
                    request,
                    _("Attendance saved for %(count)s children.") % {"count": written},
                )
                return redirect(request.path)
    rows = []
    for membership in memberships:
        participant = membership.participant
        # "Never hand over to" first: it is what matters at the door.
        instructions = sorted(
            participant.safety_instructions.all(),
            key=lambda i: (i.kind != SafetyKind.NEVER_HAND_OVER, i.pk),
        )
        rows.append(
            SheetRow(
                membership_id=membership.pk,
                alias=participant.alias,
                code=participant.code,
                practical_needs=participant.practical_needs,
                alerts=[(i.kind, i.who, i.note) for i in instructions if i.is_alert],
                pickups=[
                    (i.who, i.note) for i in instructions if i.kind == SafetyKind.AUTHORISED_PICKUP
                ],
                status=chosen.get(membership.pk, ""),
            )
        )
    audit.record("groups.attendance_sheet.view", session, actor=request.user, origin="front")
    venue = session.venue or session.series.venue or cycle.venue
    response = render(
        request,
        "groups/attendance.html",
        {
            "session": session,
            "cycle": cycle,
            "start": _local(session.start, session),
            "end": _local(session.end, session),
            "venue": _address(venue),
            "rows": rows,
            "alerts": [row for row in rows if row.alerts],
            "choices": MeetingAttendanceStatus.choices,
            "cancelled": cancelled,
            "not_yet": not_yet,
            "error": error,
            "never_hand_over": SafetyKind.NEVER_HAND_OVER,
            "back": is_facilitator(request.user),
        },
        status=400 if error else 200,
    )
    return _private(response)


# --- availability and absences ---------------------------------------------------------------


def _vacated_text(sessions: list[Session]) -> str:
    parts = []
    for session in sessions:
        local = _local(session.start, session)
        parts.append(f"{local:%d/%m/%Y %H:%M} ({session.series.agenda_title})")
    return ", ".join(parts)


@login_required
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    """Weekly availability windows and absences, with a form for each."""
    user = request.user
    if not _facilitates(user):
        return _not_for_you(request)
    availability_form = AvailabilityForm(person=user, prefix="availability")
    absence_form = AbsenceForm(prefix="absence")
    status = 200
    if request.method == "POST":
        kind = request.POST.get("form")
        if kind == "availability":
            availability_form = AvailabilityForm(request.POST, person=user, prefix="availability")
            if availability_form.is_valid():
                data = availability_form.cleaned_data
                window = Availability.objects.create(
                    person=user,
                    weekday=data["weekday"],
                    start_time=data["start_time"],
                    end_time=data["end_time"],
                )
                audit.record("availability.create", window, actor=user, origin="front")
                messages.success(
                    request, _("Availability added: %(window)s.") % {"window": str(window)}
                )
                return redirect("groups:availability")
        elif kind == "absence":
            absence_form = AbsenceForm(request.POST, prefix="absence")
            if absence_form.is_valid():
                data = absence_form.cleaned_data
                try:
                    declared = services.declare_absence(
                        user,
                        user,
                        data["first_day"],
                        data["last_day"],
                        reason=data["reason"],
                        origin="front",
                    )
                except NetworkError as failure:
                    absence_form.add_error(None, str(failure.message))
                else:
                    messages.success(
                        request,
                        _("Your absence from %(first)s to %(last)s is recorded.")
                        % {
                            "first": f"{data['first_day']:%d/%m/%Y}",
                            "last": f"{data['last_day']:%d/%m/%Y}",
                        },
                    )
                    if declared.vacated:
                        messages.warning(
                            request,
                            _(
                                "Your meetings of %(meetings)s were freed; the coordination "
                                "has been told."
                            )
                            % {"meetings": _vacated_text(declared.vacated)},
                        )
                    return redirect("groups:availability")
        else:
            messages.error(request, _("This form could not be read; nothing was saved."))
        status = 400
    today = timezone.localdate()
    return _private(
        render(
            request,
            "groups/availability.html",
            {
                "windows": Availability.objects.filter(person=user).order_by(
                    "weekday", "start_time"
                ),
                "absences": Absence.objects.filter(person=user, end_date__gte=today).order_by(
                    "start_date"
                ),
                "today": today,
                "availability_form": availability_form,
                "absence_form": absence_form,
            },
            status=status,
        )
    )


@login_required
@require_POST
def availability_delete(request: HttpRequest, pk: int) -> HttpResponse:
    window = get_object_or_404(Availability, pk=pk, person=request.user)
    audit.record("availability.delete", window, actor=request.user, origin="front")
    window.delete()
    messages.success(request, _("Availability removed."))
    return redirect("groups:availability")


@login_required
@require_POST
def absence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Only an absence that has not started: the past stays as it was."""
    absence = get_object_or_404(
        Absence, pk=pk, person=request.user, start_date__gt=timezone.localdate()
    )
    audit.record("absence.delete", absence, actor=request.user, origin="front")
    absence.delete()
    messages.success(
        request,
        _(
            "Absence removed. The meetings it freed are not given back to you automatically: "
            "tell the coordination if you can take them again."
        ),
    )
    return redirect("groups:availability")


# --- swaps ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def swap(request: HttpRequest, session_id: int) -> HttpResponse:
    """Propose a colleague to take one's seat at an upcoming meeting (and maybe one of theirs
    in exchange); the coordination decides."""
    user = request.user
    now = timezone.now()
    if session_id > MAX_ID:
        raise Http404
    seat = (
        _group_meeting_seats(user)
        .filter(session_id=session_id, session__start__gt=now)
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related(
            "session__series__support_cycle__venue__commune",
            "session__series__venue__commune",
            "session__venue__commune",
        )
        .first()
    )
    if seat is None:
        raise Http404
    session = seat.session
    seated = set(
        Assignment.objects.filter(session=session, role__in=roster.FACILITATING).values_list(
            "person_id", flat=True
        )
    )
    colleagues = [p for p in roster.facilitators() if p.pk not in seated and p.pk != user.pk]
    theirs = (
        Assignment.objects.filter(
            person__in=[p.pk for p in colleagues],
            role__in=roster.FACILITATING,
            session__series__support_cycle__isnull=False,
            session__start__gt=now,
            session__start__lte=session.start + dt.timedelta(days=SWAP_HORIZON_DAYS),
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .exclude(session_id__in=_group_meeting_seats(user).values("session_id"))
        .select_related("session__series__commune")
        .order_by("session__start", "person_id")[:SWAP_MEETINGS_SHOWN]
    )
    form = SwapForm(request.POST or None, colleagues=colleagues, seats=list(theirs))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.propose_swap(
                    user,
                    session,
                    data["colleague_user"],
                    counterpart=data["counterpart_session"],
                    note=data["note"],
                )
            except NetworkError as failure:
                form.add_error(None, str(failure.message))
            else:
                messages.success(
                    request,
                    _("Your proposal was sent to %(name)s and to the coordination, who decides.")
                    % {"name": _name(data["colleague_user"])},
                )
                return redirect("groups:mine")
        status = 400
    cycle = session.series.support_cycle
    venue = session.venue or session.series.venue or cycle.venue
    return _private(
        render(
            request,
            "groups/swap.html",
            {
                "session": session,
                "cycle": cycle,
                "start": _local(session.start, session),
                "end": _local(session.end, session),
                "venue": _address(venue),
                "form": form,
            },
            status=status,
        )
    )


@login_required
@require_POST
def swap_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    proposed = get_object_or_404(Swap, pk=pk, requester=request.user)
    try:
        services.withdraw_swap(request.user, proposed)
    except NetworkError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("Your swap proposal is withdrawn."))
    return redirect("groups:mine")


# --- public programme pages -------------------------------------------------------------------


def _month(day: dt.date) -> str:
    return str(MONTHS[day.month])


def period_label(first: dt.date, last: dt.date) -> str:
    """E.g. "de janvier à mars 2027": never more precise than the month."""
    if (first.year, first.month) == (last.year, last.month):
        return _("in %(month)s %(year)s") % {"month": _month(first), "year": first.year}
    if first.year == last.year:
        return _("from %(first)s to %(last)s %(year)s") % {
            "first": _month(first),
            "last": _month(last),
            "year": first.year,
        }
    return _("from %(first)s %(first_year)s to %(last)s %(last_year)s") % {
        "first": _month(first),
        "first_year": first.year,
        "last": _month(last),
        "last_year": last.year,
    }


def age_label(programme: Programme) -> str:
    low, high = programme.age_min, programme.age_max
    if low is not None and high is not None:
        return _("from %(low)s to %(high)s years old") % {"low": low, "high": high}
    if low is not None:
        return _("from %(low)s years old") % {"low": low}
    if high is not None:
        return _("up to %(high)s years old") % {"high": high}
    return ""


@dataclass
class Place:
    commune: str
    period: str
    sort_key: tuple


def _places(programmes: list[Programme]) -> dict[int, list[Place]]:
    """Per programme, the communes and months where a cycle is planned, open or running:
    no venue, no day, no time (DESIGN, "Privacy by design")."""
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    meeting = ~Q(series__sessions__status=SessionStatus.CANCELLED)
    cycles = (
        Cycle.objects.filter(programme__in=[p.pk for p in programmes], status__in=PUBLIC_STATUSES)
        .select_related("commune")
        .annotate(
            first=Min("series__sessions__start", filter=meeting),
            last=Max("series__sessions__start", filter=meeting),
        )
        .order_by("commune__name", "pk")
    )
    places: dict[int, dict[tuple, Place]] = {}
    for cycle in cycles:
        if cycle.first is not None:
            first, last = (timezone.localtime(m).date() for m in (cycle.first, cycle.last))
        elif cycle.intake_opens is not None:
            first, last = cycle.intake_opens, cycle.intake_closes or cycle.intake_opens
        else:
            first = last = None
        if last is not None and last < first_of_month:
            continue  # over: its last meeting was before this month
        period = period_label(first, last) if first is not None else _("dates to be set")
        key = (cycle.commune.name, period)
        places.setdefault(cycle.programme_id, {}).setdefault(
            key,
            Place(str(cycle.commune), period, (cycle.commune.name, first or dt.date.max)),
        )
    return {
        pk: sorted(found.values(), key=lambda place: place.sort_key) for pk, found in places.items()
    }


@require_safe
def programmes(request: HttpRequest) -> HttpResponse:
    """Public: which support groups exist, for whom, where (commune) and when (months)."""
    found = list(Programme.objects.filter(active=True).order_by("name"))
    places = _places(found)
    items = [{"programme": p, "ages": age_label(p), "places": places.get(p.pk, [])} for p in found]
    return render(request, "groups/programmes.html", {"items": items})


@require_safe
def programme(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Programme, pk=pk, active=True)
    return render(
        request,
        "groups/programme.html",
        {
            "programme": found,
            "ages": age_label(found),
            "places": _places([found]).get(found.pk, []),
        },
    )
