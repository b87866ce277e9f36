"""The roster board and the proposal, in the Wagtail admin.

The board shows the meetings of a cycle (or of a commune's month) by facilitator seats, every
empty seat a highlighted gap; a gap lists the facilitators ranked by the roster engine, the
ineligible ones with their reasons; "Complete the roster" proposes assignments for the gaps,
shown as a diff to accept or discard. Every view looks its cycle up through the permission
layer (a cycle outside the user's scope answers 404), writes go through groups.services, and
nothing here shows a child: the board is about adults' seats only.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from lms.admin_forms import communes_of, person_label
from network import audit, exports, permissions
from network.exceptions import NetworkError
from network.models import Commune
from sessions.models import Assignment, Session, StaffRole

from . import roster, services
from .models import Cycle, CycleStatus

ACTIVE_STATUSES = (CycleStatus.PLANNING, CycleStatus.OPEN, CycleStatus.RUNNING)
PROPOSAL_SALT = "maillage.groups.roster.proposal"
PROPOSAL_MAX_AGE = 3600  # seconds: a proposal older than an hour is computed again
PROPOSAL_TIME_LIMIT = 10  # seconds for the solver
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
ICON = "calendar-check"


def may_plan(user) -> bool:
    """Whoever may change cycles (CycleRule): the network coordination, a commune's
    coordinator; facilitators and professionals have nothing to plan here."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if permissions.coordinated_commune_ids(user) != frozenset():
        return True
    return permissions.visible(user, Cycle, "change").exists()


def changeable_cycles(user):
    return permissions.visible(user, Cycle, "change")


class RosterMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return may_plan(request.user)


# --- what is shown: a cycle, or a commune's month -------------------------------------------


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _parse_month(value: str) -> dt.date | None:
    found = MONTH.match(value or "")
    if not found:
        return None
    year, month = int(found[1]), int(found[2])
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return None
    return dt.date(year, month, 1)


@dataclass
class Selection:
    """The board's filter: one cycle, or cycles of a commune and/or a month; by default the
    active cycles the user may change, from the current month onward."""

    cycle: Cycle | None = None
    commune: Commune | None = None
    month: dt.date | None = None
    errors: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, user, params) -> Selection:
        """From query parameters; a cycle or commune outside the user's scope is a 404."""
        selection = cls()
        raw_cycle = (params.get("cycle") or "").strip()
        if raw_cycle:
            if not raw_cycle.isdigit():
                raise Http404
            selection.cycle = get_object_or_404(
                changeable_cycles(user).select_related("commune"), pk=int(raw_cycle)
            )
            return selection
        raw_commune = (params.get("commune") or "").strip()
        if raw_commune:
            if not raw_commune.isdigit():
                raise Http404
            selection.commune = get_object_or_404(communes_of(user), pk=int(raw_commune))
        raw_month = (params.get("month") or "").strip()
        if raw_month:
            selection.month = _parse_month(raw_month)
            if selection.month is None:
                selection.errors.append(_("Give the month as YYYY-MM, e.g. 2027-03."))
        return selection

    @property
    def query(self) -> dict[str, str]:
        if self.cycle is not None:
            return {"cycle": str(self.cycle.pk)}
        query = {}
        if self.commune is not None:
            query["commune"] = str(self.commune.pk)
        if self.month is not None:
            query["month"] = f"{self.month:%Y-%m}"
        return query

    @property
    def proposable(self) -> bool:
        """A proposal fills the gaps of a cycle or of a month, not of an open-ended period."""
        return self.cycle is not None or self.month is not None

    def cycle_ids(self, user) -> list[int]:
        if self.cycle is not None:
            return [self.cycle.pk]
        cycles = changeable_cycles(user)
        if self.commune is not None:
            cycles = cycles.filter(commune=self.commune)
        if self.month is None:
            cycles = cycles.filter(status__in=ACTIVE_STATUSES)
        return list(cycles.order_by().values_list("pk", flat=True))

    def sessions(self, *, future_only: bool = False):
        sessions = Session.objects.all()
        if self.month is not None:
            sessions = sessions.filter(
                start__gte=_local_midnight(self.month),
                start__lt=_local_midnight(self.month + relativedelta(months=1)),
            )
        elif self.cycle is None:
            sessions = sessions.filter(
                start__gte=_local_midnight(timezone.localdate().replace(day=1))
            )
        if future_only:
            sessions = sessions.filter(start__gte=timezone.now())
        return sessions

    def describe(self) -> str:
        if self.cycle is not None:
            return str(self.cycle)
        month = f"{self.month:%m/%Y}" if self.month else ""
        if self.commune is not None and month:
            return _("%(commune)s, %(month)s") % {"commune": self.commune, "month": month}
        if self.commune is not None:
            return _("%(commune)s, from this month on") % {"commune": self.commune}
        if month:
            return _("Every commune, %(month)s") % {"month": month}
        return _("Your cycles, from this month on")


class BoardFilterForm(forms.Form):
    """Rendered only: the board reads its parameters through `Selection.read`."""

    cycle = forms.ModelChoiceField(
        label=gettext_lazy("Cycle"), queryset=Cycle.objects.none(), required=False
    )
    commune = forms.ModelChoiceField(
        label=gettext_lazy("Commune"), queryset=Commune.objects.none(), required=False
    )
    month = forms.CharField(
        label=gettext_lazy("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2027-03"}),
    )

    def __init__(self, user, selection: Selection):
        super().__init__(
            initial={
                "cycle": selection.cycle.pk if selection.cycle else None,
                "commune": selection.commune.pk if selection.commune else None,
                "month": f"{selection.month:%Y-%m}" if selection.month else "",
            }
        )
        cycles = changeable_cycles(user).exclude(status=CycleStatus.CLOSED)
        if selection.cycle is not None:
            cycles = cycles | changeable_cycles(user).filter(pk=selection.cycle.pk)
        self.fields["cycle"].queryset = cycles.order_by("commune__name", "name")
        self.fields["commune"].queryset = communes_of(user).order_by("name")


# --- pages ------------------------------------------------------------------------------------


def _crumbs(*items: tuple[str, object]) -> list[dict]:
    return [
        {"url": reverse("wagtailadmin_home"), "label": _("Home")},
        *({"url": url, "label": label} for url, label in items),
    ]


def _page(request, template_name: str, *, title: str, crumbs=(), status=200, **context):
    return TemplateResponse(
        request,
        template_name,
        {
            "page_title": title,
            "header_title": title,
            "header_icon": ICON,
            "breadcrumbs_items": _crumbs(*crumbs, ("", title)),
            **context,
        },
        status=status,
    )


def board_url(query: dict[str, str] | None = None) -> str:
    url = reverse("groups_roster:board")
    return f"{url}?{urlencode(query)}" if query else url


def _back_query(params, cycle: Cycle | None = None) -> dict[str, str]:
    """The board's filter carried through a gap or an unassign page: only well-formed keys
    (the values are checked again when the board reads them)."""
    query = {
        key: params[key]
        for key in ("cycle", "commune", "month")
        if params.get(key)
        and (params[key].isdigit() if key != "month" else MONTH.match(params[key]))
    }
    if "cycle" in query:
        query = {"cycle": query["cycle"]}
    if not query and cycle is not None:
        query = {"cycle": str(cycle.pk)}
    return query


def _role_label(role: str) -> str:
    return str(StaffRole(role).label) if role in StaffRole.values else role


@dataclass
class Seat:
    gap: bool
    person_id: int | None = None
    name: str = ""
    role: str = ""
    role_label: str = ""
    assignment_id: int | None = None


@dataclass
class Row:
    meeting: roster.Meeting
    cycle: Cycle
    venue: str
    seats: list[Seat]
    past: bool
    eligible: int = 0

    @property
    def session_id(self) -> int:
        return self.meeting.session_id

    @property
    def gaps(self) -> int:
        return self.meeting.open_seats


def _venues(session_ids: list[int]) -> dict[int, str]:
    """The venue of each meeting (its own, else its series', else its cycle's): one query."""
    return {
        pk: own or of_series or of_cycle or ""
        for pk, own, of_series, of_cycle in Session.objects.filter(pk__in=session_ids).values_list(
            "pk", "venue__name", "series__venue__name", "series__support_cycle__venue__name"
        )
    }


def _seated(session_ids: list[int]) -> dict[int, list[Seat]]:
    """The facilitators of each meeting, with their assignment and name: one query."""
    seats: dict[int, list[Seat]] = {}
    rows = (
        Assignment.objects.filter(session_id__in=session_ids, role__in=roster.FACILITATING)
        .order_by("session_id", "-role", "person__last_name", "person__first_name", "pk")
        .values_list(
            "pk",
            "session_id",
            "person_id",
            "role",
            "person__first_name",
            "person__last_name",
            "person__username",
        )
    )
    for pk, session_id, person_id, role, first, last, username in rows:
        name = f"{first} {last}".strip() or username
        seats.setdefault(session_id, []).append(
            Seat(False, person_id, name, role, _role_label(role), pk)
        )
    return seats


def _eligible_count(data: roster.RosterData, meeting: roster.Meeting) -> int:
    taken = {p for p, _role in meeting.assigned}
    return sum(
        1
        for person_id in data.people
        if person_id not in taken and data.eligible(person_id, meeting)
    )


def board_rows(data: roster.RosterData) -> tuple[list[Row], int]:
    """The board's rows and its number of seat columns, from loaded roster data (two more
    queries, whatever the number of meetings)."""
    session_ids = [m.session_id for m in data.meetings]
    venues, seated = _venues(session_ids), _seated(session_ids)
    now = timezone.now()
    rows, columns = [], 1
    for meeting in data.meetings:
        seats = list(seated.get(meeting.session_id, []))
        seats += [Seat(True) for _n in range(meeting.open_seats)]
        columns = max(columns, len(seats))
        rows.append(
            Row(
                meeting=meeting,
                cycle=data.cycles[meeting.cycle_id],
                venue=venues.get(meeting.session_id, ""),
                seats=seats,
                past=meeting.end < now,
                eligible=_eligible_count(data, meeting) if meeting.open_seats else 0,
            )
        )
    for row in rows:
        row.seats += [None] * (columns - len(row.seats))
    return rows, columns


def summary(data: roster.RosterData) -> dict:
    seats = sum(m.seats for m in data.meetings)
    gaps = sum(m.open_seats for m in data.meetings)
    filled = seats - gaps
    return {
        "meetings": len(data.meetings),
        "seats": seats,
        "filled": filled,
        "gaps": gaps,
        "coverage": round(100 * filled / seats) if seats else 100,
        "cycles": len({m.cycle_id for m in data.meetings}),
    }


# --- the proposal's token ---------------------------------------------------------------------


class ProposalRefused(Exception):
    """The token is not one we signed for this user, or is too old."""


def sign_proposal(user, proposal: roster.Proposal, query: dict[str, str]) -> str:
    """The proposal as shown, signed for this user: accepting it writes exactly that."""
    return signing.dumps(
        {
            "u": user.pk,
            "a": [list(pair) for pair in proposal.assignments],
            "f": [
                proposal.gaps_before,
                proposal.filled,
                proposal.distinct_per_cycle,
                proposal.max_load,
                proposal.optimal,
            ],
            "q": query,
        },
        salt=PROPOSAL_SALT,
        compress=True,
    )


def read_proposal(user, token: str) -> tuple[roster.Proposal, dict[str, str]]:
    try:
        payload = signing.loads(token or "", salt=PROPOSAL_SALT, max_age=PROPOSAL_MAX_AGE)
    except signing.BadSignature as error:  # SignatureExpired included
        raise ProposalRefused from error
    try:
        if payload["u"] != user.pk:
            raise ProposalRefused
        pairs = tuple((int(s), int(p)) for s, p in payload["a"])
        gaps_before, filled, distinct, max_load, optimal = payload["f"]
        query = {str(k): str(v) for k, v in dict(payload.get("q") or {}).items()}
        proposal = roster.Proposal(
            assignments=pairs,
            gaps_before=int(gaps_before),
            filled=int(filled),
            distinct_per_cycle=float(distinct),
            max_load=int(max_load),
            optimal=bool(optimal),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ProposalRefused from error
    return proposal, query


# --- the viewset ------------------------------------------------------------------------------


class RosterBoardViewSet(ViewSet):
    """The roster board, a gap's candidates, unassigning, and the proposal."""

    name = "groups_roster"
    icon = ICON
    menu_label = gettext_lazy("Roster board")
    menu_name = "groups-roster"
    menu_order = 235  # just after Certificates (230)
    add_to_admin_menu = True
    url_prefix = "groupes/planning"
    url_namespace = "groups_roster"
    menu_item_class = RosterMenuItem

    def get_urlpatterns(self):
        return [
            path("", self.board_view, name="board"),
            path("seance/<int:session_id>/", self.gap_view, name="gap"),
            path("retirer/<int:assignment_id>/", self.unassign_view, name="unassign"),
            path("proposition/", self.proposal_view, name="proposal"),
            path("export/", self.export_view, name="export"),
        ]

    @staticmethod
    def _check(request) -> None:
        if not may_plan(request.user):
            raise PermissionDenied

    # --- the board ----------------------------------------------------------------------

    def board_view(self, request):
        self._check(request)
        selection = Selection.read(request.user, request.GET)
        for error in selection.errors:
            messages.error(request, error)
        data = roster.RosterData.load(
            selection.cycle_ids(request.user), roster.facilitators(), sessions=selection.sessions()
        )
        rows, columns = board_rows(data)
        query = selection.query
        return _page(
            request,
            "groups/admin/roster_board.html",
            title=_("Roster board"),
            selection=selection,
            form=BoardFilterForm(request.user, selection),
            rows=rows,
            columns=range(1, columns + 1),
            summary=summary(data),
            back=urlencode(query),
            proposal_url=(
                f"{reverse('groups_roster:proposal')}?{urlencode(query)}"
                if selection.proposable
                else ""
            ),
            export_url=f"{reverse('groups_roster:export')}?{urlencode(query)}",
        )

    def export_view(self, request):
        """The board as a spreadsheet (CSV or XLSX): meetings and their facilitators, never a
        child; the same selection and scope as the board, audited."""
        if not may_plan(request.user):
            return exports.forbidden(request)
        selection = Selection.read(request.user, request.GET)
        data = roster.RosterData.load(
            selection.cycle_ids(request.user), roster.facilitators(), sessions=selection.sessions()
        )
        rows, columns = board_rows(data)
        header = [_("Date"), _("Start"), _("End"), _("Cycle"), _("Venue")]
        header += [_("Seat %(number)s") % {"number": n} for n in range(1, columns + 1)]

        def seat_label(seat) -> str:
            if seat is None:  # fewer seats than the widest meeting: board_rows pads with None
                return ""
            return _("Open seat") if seat.gap else f"{seat.name} ({seat.role_label})"

        def cells(row: Row) -> list:
            start, end = timezone.localtime(row.meeting.start), timezone.localtime(row.meeting.end)
            seats = [seat_label(seat) for seat in row.seats]
            fixed = [start.date(), f"{start:%H:%M}", f"{end:%H:%M}", str(row.cycle), row.venue]
            return fixed + seats

        audit.record(
            "export.roster", actor=request.user, origin="admin", object_type="maillage_groups.cycle"
        )
        stamp = timezone.localtime().strftime("%Y%m%d")
        return exports.export_response(
            f"planning-groupes-{stamp}",
            header,
            (cells(row) for row in rows),
            fmt=exports.requested_format(request),
        )

    # --- a gap ---------------------------------------------------------------------------

    def _meeting(self, request, session_id: int):
        session = get_object_or_404(
            Session.objects.select_related("series", "venue"), pk=session_id
        )
        cycle = get_object_or_404(
            changeable_cycles(request.user).select_related("programme", "commune", "venue"),
            series_id=session.series_id,
        )
        return session, cycle

    def gap_view(self, request, session_id: int):
        self._check(request)
        session, cycle = self._meeting(request, session_id)
        back = _back_query(request.GET, cycle)
        data = roster.RosterData.load(
            [cycle], roster.facilitators(), sessions=Session.objects.filter(pk=session.pk)
        )
        meeting = data.by_session.get(session.pk)
        if meeting is None:  # cancelled
            raise Http404
        has_lead = any(role == StaffRole.LEAD for _p, role in meeting.assigned)
        role = StaffRole.LEAD if cycle.programme.lead_required and not has_lead else StaffRole.CO

        if request.method == "POST":
            return self._assign(request, session, cycle, data, meeting, role, back)

        candidates = []
        for person, problems in data.ranked(meeting):
            hard = [p for p in problems if p.hard]
            candidates.append(
                {
                    "person": person,
                    "name": person_label(person),
                    "hard": hard,
                    "soft": [p for p in problems if not p.hard],
                    "eligible": not hard,
                    "load": data.monthly_load(person.pk, meeting.month),
                }
            )
        here = _seated([session.pk]).get(session.pk, [])
        title = _("Meeting of %(date)s") % {
            "date": f"{timezone.localtime(session.start):%d/%m/%Y %H:%M}"
        }
        return _page(
            request,
            "groups/admin/roster_gap.html",
            title=title,
            crumbs=[(board_url(back), _("Roster board"))],
            session=session,
            cycle=cycle,
            meeting=meeting,
            venue=_venues([session.pk]).get(session.pk, ""),
            seated=here,
            eligible=[c for c in candidates if c["eligible"]],
            ineligible=[c for c in candidates if not c["eligible"]],
            role_label=_role_label(role),
            back=urlencode(back),
            board=board_url(back),
        )

    def _assign(self, request, session, cycle, data, meeting, role, back):
        here = reverse("groups_roster:gap", args=[session.pk])
        here = f"{here}?{urlencode(back)}" if back else here
        raw = request.POST.get("person", "")
        person = data.people.get(int(raw)) if raw.isdigit() else None
        if person is None:
            messages.error(request, _("Choose one of the facilitators listed."))
            return redirect(here)
        reason = request.POST.get("reason", "").strip()[:300]
        soft = [p for p in data.problems(person.pk, meeting) if not p.hard]
        if soft and not reason:
            messages.error(
                request,
                _("Give a reason to assign %(name)s anyway: %(problems)s")
                % {"name": person_label(person), "problems": " ".join(p.message for p in soft)},
            )
            return redirect(here)
        try:
            services.assign(
                request.user, session, person, role=role, override_reason=reason, origin="admin"
            )
        except NetworkError as error:
            messages.error(request, error.message)
            return redirect(here)
        messages.success(
            request,
            _("%(name)s now facilitates the meeting of %(date)s (%(role)s); they get an e-mail.")
            % {
                "name": person_label(person),
                "date": f"{timezone.localtime(session.start):%d/%m/%Y %H:%M}",
                "role": _role_label(role),
            },
        )
        return redirect(board_url(back))

    # --- unassigning ---------------------------------------------------------------------

    def unassign_view(self, request, assignment_id: int):
        self._check(request)
        assignment = get_object_or_404(
            Assignment.objects.select_related("session__series", "person").filter(
                role__in=roster.FACILITATING,
                session__series__support_cycle__in=changeable_cycles(request.user).values("pk"),
            ),
            pk=assignment_id,
        )
        cycle = Cycle.objects.get(series_id=assignment.session.series_id)
        back = _back_query(request.GET, cycle)
        when = f"{timezone.localtime(assignment.session.start):%d/%m/%Y %H:%M}"
        name = person_label(assignment.person)
        if request.method == "POST":
            try:
                services.unassign(request.user, assignment, origin="admin")
            except NetworkError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("%(name)s no longer facilitates the meeting of %(date)s; they get an e-mail.")
                    % {"name": name, "date": when},
                )
            return redirect(board_url(back))
        return _page(
            request,
            "groups/admin/roster_unassign.html",
            title=_("Unassign a facilitator"),
            crumbs=[(board_url(back), _("Roster board"))],
            assignment=assignment,
            cycle=cycle,
            name=name,
            when=when,
            role_label=_role_label(assignment.role),
            board=board_url(back),
        )

    # --- the proposal --------------------------------------------------------------------

    def proposal_view(self, request):
        self._check(request)
        if request.method == "POST":
            return self._decide(request)
        selection = Selection.read(request.user, request.GET)
        if not selection.proposable:
            messages.warning(
                request, _("Choose a cycle, or a month, before completing the roster.")
            )
            return redirect(board_url(selection.query))
        data = roster.RosterData.load(
            selection.cycle_ids(request.user),
            roster.facilitators(),
            sessions=selection.sessions(future_only=True),
        )
        proposal = roster.propose(data, time_limit=PROPOSAL_TIME_LIMIT)
        venues = _venues([m.session_id for m in data.meetings if m.open_seats])
        seated = _seated([m.session_id for m in data.meetings if m.open_seats])
        proposed: dict[int, list[int]] = {}
        for session_id, person_id in proposal.assignments:
            proposed.setdefault(session_id, []).append(person_id)
        rows = []
        for meeting in data.meetings:
            if not meeting.open_seats:
                continue
            added = [
                {
                    "person_id": person_id,
                    "name": person_label(data.people[person_id]),
                    "soft": [p.message for p in data.problems(person_id, meeting) if not p.hard],
                }
                for person_id in proposed.get(meeting.session_id, [])
            ]
            rows.append(
                {
                    "meeting": meeting,
                    "cycle": data.cycles[meeting.cycle_id],
                    "venue": venues.get(meeting.session_id, ""),
                    "seated": seated.get(meeting.session_id, []),
                    "added": added,
                    "still_open": meeting.open_seats - len(added),
                }
            )
        return _page(
            request,
            "groups/admin/roster_proposal.html",
            title=_("Proposed roster"),
            crumbs=[(board_url(selection.query), _("Roster board"))],
            selection=selection,
            proposal=proposal,
            coverage=round(100 * proposal.coverage),
            rows=rows,
            token=sign_proposal(request.user, proposal, selection.query),
            board=board_url(selection.query),
        )

    def _decide(self, request):
        if request.POST.get("action") == "discard":
            messages.info(request, _("The proposal was discarded: nothing changed."))
            return redirect(board_url(_back_query(request.POST)))
        try:
            proposal, query = read_proposal(request.user, request.POST.get("token", ""))
        except ProposalRefused:
            messages.error(
                request,
                _(
                    "This proposal cannot be accepted: it was altered, is not yours or is more "
                    "than an hour old. Nothing was written; complete the roster again."
                ),
            )
            return redirect(board_url(_back_query(request.POST)))
        applied = services.apply_proposal(request.user, proposal, origin="admin")
        skipped_sessions = Session.objects.select_related("series").in_bulk(
            [s for s, _p, _why in applied.skipped]
        )
        skipped_people = {
            p.pk: p
            for p in get_user_model().objects.filter(pk__in=[p for _s, p, _why in applied.skipped])
        }
        skipped = [
            {
                "session": skipped_sessions.get(session_id),
                "name": person_label(skipped_people[person_id])
                if person_id in skipped_people
                else "",
                "why": why,
            }
            for session_id, person_id, why in applied.skipped
        ]
        if applied.assigned:
            messages.success(
                request,
                _("%(count)s assignments made; the facilitators get an e-mail.")
                % {"count": len(applied.assigned)},
            )
        back = _back_query(query)
        return _page(
            request,
            "groups/admin/roster_applied.html",
            title=_("Proposal accepted"),
            crumbs=[(board_url(back), _("Roster board"))],
            assigned=[
                {"session": a.session, "name": person_label(a.person), "role": _role_label(a.role)}
                for a in applied.assigned
            ],
            skipped=skipped,
            board=board_url(back),
        )


def admin_viewsets() -> list:
    return [RosterBoardViewSet()]
