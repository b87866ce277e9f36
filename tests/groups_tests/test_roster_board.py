"""The roster board in the Wagtail admin: meetings by facilitator seats with the gaps marked,
a gap's candidates ranked with the reasons of those who may not take it, assigning and
unassigning (the facilitator is e-mailed), the proposal accepted exactly as shown, and who may
reach any of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from groups import roster
from groups.models import CycleStatus, Membership, MembershipStatus, Participant, ReferralSource
from groups.roster_views import PROPOSAL_SALT, RosterMenuItem, sign_proposal
from lms.models import ModulePage
from network import roles
from sessions.models import Absence, Assignment, Availability, StaffRole

from . import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "demo-maillage"
BOARD = "/admin/groupes/planning/"


@pytest.fixture
def sign_in(client):
    def signed(username, password=PASSWORD):
        client.logout()
        assert client.login(username=username, password=password), username
        # English pages: the assertions outlive the French translation.
        client.cookies["maillage_language"] = "en"
        return client

    return signed


@pytest.fixture
def group(demo_data):
    """A cycle in Esneux: four Wednesday meetings, far from the demo's schedule."""
    return f.cycle(f.wednesdays(f.quiet_month(), 4), status=CycleStatus.PLANNING, monthly_max=4)


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def gap_url(session) -> str:
    return reverse("groups_roster:gap", args=[session.pk])


def unassign_url(assignment) -> str:
    return reverse("groups_roster:unassign", args=[assignment.pk])


def proposal_url(cycle) -> str:
    return f"{reverse('groups_roster:proposal')}?cycle={cycle.pk}"


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def local_day(session) -> dt.date:
    return session.start.astimezone(f.BRUSSELS).date()


# --- the board --------------------------------------------------------------------------------


def test_the_board_shows_seats_and_highlighted_gaps(group, sign_in):
    first, second, *_rest = f.meetings(group)
    f.assign(first, f.user("animateur"), StaffRole.LEAD)
    f.assign(first, f.user("anim-04"), StaffRole.CO)
    f.assign(second, f.user("anim-05"), StaffRole.CO)
    client = sign_in("coord-esneux")

    response = client.get(f"{BOARD}?cycle={group.pk}")

    assert response.status_code == 200
    page = soup(response)
    rows = page.select("[data-roster-board] tbody tr")
    assert [int(r["data-session"]) for r in rows] == [s.pk for s in f.meetings(group)]
    full = rows[0]
    assert not full.select("[data-gap]")
    seats = full.select("[data-person]")
    assert [(s["data-role"], s.select_one(".roster-seat__name").text) for s in seats] == [
        ("lead", f.user("animateur").get_full_name()),
        ("co", f.user("anim-04").get_full_name()),
    ]
    assert "Lead facilitator" in full.text and "Unassign" in full.text
    # The second meeting has one facilitator and one gap; the others two gaps each.
    gaps = page.select("a[data-gap]")
    assert len(gaps) == 1 + 2 + 2
    assert all("Open seat" in gap.text for gap in gaps)  # said in words, not by colour only
    assert gaps[0]["href"].startswith(gap_url(second))
    summary = page.select_one("[data-roster-summary]")
    assert summary["data-gaps"] == "5" and summary["data-coverage"] == "38"  # 3 of 8 seats
    assert page.select_one("a[data-propose]")["href"].endswith(f"?cycle={group.pk}")


def test_the_default_board_shows_the_user_s_active_cycles_only(group, sign_in):
    f.assign(f.meetings(group)[0], f.user("animateur"))
    closed = f.cycle(f.wednesdays(f.quiet_month(), 2), status=CycleStatus.CLOSED)
    elsewhere = f.cycle(f.wednesdays(f.quiet_month(), 2), commune_name="Aywaille")

    page = soup(sign_in("coord-esneux").get(BOARD))

    shown = {int(row["data-cycle"]) for row in page.select("[data-roster-board] tbody tr")}
    assert group.pk in shown
    assert closed.pk not in shown and elsewhere.pk not in shown
    assert not page.select("a[data-propose]")  # the open-ended default is not proposable


def test_a_commune_and_month_selection(group, sign_in, demo_data):
    next_month = f.quiet_month(14)
    later = f.cycle(f.wednesdays(next_month, 2))
    client = sign_in("coord-esneux")
    esneux = f.commune("Esneux")

    page = soup(client.get(f"{BOARD}?commune={esneux.pk}&month={next_month:%Y-%m}"))

    assert {int(r["data-cycle"]) for r in page.select("[data-roster-board] tbody tr")} == {later.pk}
    assert f"month={next_month:%Y-%m}" in page.select_one("a[data-propose]")["href"]
    aywaille = f.commune("Aywaille")
    assert client.get(f"{BOARD}?commune={aywaille.pk}").status_code == 404


def _scene(month: dt.date, cycles: int, meetings: int) -> None:
    """Cycles with meetings in `month`, some seats taken, some facilitators away."""
    days = [month + dt.timedelta(days=n) for n in range(meetings)]
    people = [f.user(name) for name in f.FACILITATORS]
    for c in range(cycles):
        made = f.cycle(days, at=dt.time(10 + 2 * c, 0), monthly_max=20)
        for index, session in enumerate(f.meetings(made)):
            if index % 2 == 0:
                f.assign(session, people[(c + index) % len(people)], StaffRole.LEAD)
    for index, person in enumerate(people[:3]):
        day = days[index]
        Absence.objects.create(person=person, start_date=day, end_date=day)


BOARD_QUERIES = 28


def test_the_board_runs_in_a_constant_number_of_queries(
    demo_data, sign_in, django_assert_num_queries
):
    small_month, large_month = f.quiet_month(13), f.quiet_month(15)
    _scene(small_month, cycles=1, meetings=4)
    _scene(large_month, cycles=3, meetings=12)
    client = sign_in("coord-esneux")
    esneux = f.commune("Esneux")
    counted = {}
    for name, month, rows in (("small", small_month, 4), ("large", large_month, 36)):
        url = f"{BOARD}?commune={esneux.pk}&month={month:%Y-%m}"
        client.get(url)  # Wagtail caches a few look-ups on a first request
        with django_assert_num_queries(BOARD_QUERIES) as captured:
            response = client.get(url)
        assert len(soup(response).select("[data-roster-board] tbody tr")) == rows
        counted[name] = len(captured)
    assert counted["small"] == counted["large"] == BOARD_QUERIES


# --- a gap ------------------------------------------------------------------------------------


def test_a_gap_ranks_the_eligible_first_and_says_why_the_others_may_not(group, sign_in):
    first = f.meetings(group)[0]
    day = local_day(first)
    Absence.objects.create(person=f.user("anim-01"), start_date=day, end_date=day)
    # Qualified only from ten days after the meeting.
    newcomer = f.member("anim-nouvelle", roles.FACILITATOR, ("Esneux",))
    Certificate.objects.create(
        holder=newcomer,
        module=ModulePage.objects.get(code="RES-GRP"),
        title="Animer un groupe de parole",
        serial="TEST-RB-000001",
        valid_from=day + dt.timedelta(days=10),
    )
    client = sign_in("coord-esneux")
    client.cookies["maillage_language"] = "fr"  # the reasons in French, dates the Belgian way

    page = soup(client.get(gap_url(first)))

    rows = page.select("[data-candidate]")
    eligibility = [row["data-eligible"] for row in rows]
    assert eligibility == sorted(eligibility, reverse=True)  # "yes" before "no"
    by_person = {int(row["data-candidate"]): row for row in rows}
    unqualified = by_person[newcomer.pk]
    assert unqualified["data-eligible"] == "no"
    assert f"Pas qualifié·e avant le {day + dt.timedelta(days=10):%d/%m/%Y}" in unqualified.text
    assert not unqualified.select("[data-assign]")
    absent = by_person[f.user("anim-01").pk]
    assert absent["data-eligible"] == "no"
    assert f"Absent·e le {day:%d/%m/%Y}" in absent.text
    assert by_person[f.user("anim-06").pk].select("button[data-assign]")


def test_assigning_from_a_gap_e_mails_the_facilitator(
    group, sign_in, django_capture_on_commit_callbacks
):
    first = f.meetings(group)[0]
    person = f.user("anim-06")
    client = sign_in("coord-esneux")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(gap_url(first) + f"?cycle={group.pk}", {"person": person.pk})

    assert response.status_code == 302
    assert response["Location"] == f"{BOARD}?cycle={group.pk}"
    made = Assignment.objects.get(session=first, person=person)
    assert made.role == StaffRole.CO
    assert [m.to for m in mail.outbox] == [[person.email]]
    page = client.get(response["Location"])
    assert "now facilitates" in messages_of(page)


def test_the_lead_seat_is_filled_first_when_the_programme_asks_for_one(demo_data, sign_in):
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 1), of=f.programme(lead_required=True))
    first = f.meetings(cycle)[0]
    client = sign_in("coord-esneux")

    client.post(gap_url(first), {"person": f.user("anim-06").pk})
    client.post(gap_url(first), {"person": f.user("anim-07").pk})

    roles_held = dict(
        Assignment.objects.filter(session=first).values_list("person__username", "role")
    )
    assert roles_held == {"anim-06": StaffRole.LEAD, "anim-07": StaffRole.CO}


def test_a_soft_problem_needs_a_reason(group, sign_in):
    first = f.meetings(group)[0]
    person = f.user("anim-06")
    # Declared Mondays only: the Wednesday meeting is outside their availability.
    Availability.objects.create(
        person=person, weekday=0, start_time=dt.time(9), end_time=dt.time(18)
    )
    client = sign_in("coord-esneux")
    row = soup(client.get(gap_url(first))).select_one(f'[data-candidate="{person.pk}"]')
    assert row["data-eligible"] == "yes" and row.has_attr("data-soft")
    assert "Outside their declared availability" in row.text
    assert row.select_one("input[name=reason]").has_attr("required")

    refused = client.post(gap_url(first), {"person": person.pk, "reason": "  "}, follow=True)
    assert "Give a reason" in messages_of(refused)
    assert not Assignment.objects.filter(session=first).exists()

    client.post(gap_url(first), {"person": person.pk, "reason": "Exceptionnellement libre"})
    made = Assignment.objects.get(session=first, person=person)
    assert made.override_reason == "Exceptionnellement libre"


def test_a_refusal_of_the_service_is_an_error_message(group, sign_in):
    first = f.meetings(group)[0]
    day = local_day(first)
    away = f.user("anim-01")
    Absence.objects.create(person=away, start_date=day, end_date=day)
    client = sign_in("coord-esneux")

    response = client.post(gap_url(first), {"person": away.pk}, follow=True)

    assert response.status_code == 200
    assert "Absent on" in messages_of(response)
    assert not Assignment.objects.filter(session=first).exists()
    stranger = client.post(gap_url(first), {"person": f.user("professionnelle").pk}, follow=True)
    assert "Choose one of the facilitators listed" in messages_of(stranger)


def test_unassigning_asks_first_then_e_mails_the_facilitator(
    group, sign_in, django_capture_on_commit_callbacks
):
    first = f.meetings(group)[0]
    person = f.user("anim-04")
    seat = f.assign(first, person)
    client = sign_in("coord-esneux")

    confirmation = client.get(unassign_url(seat) + f"?cycle={group.pk}")
    assert confirmation.status_code == 200
    assert soup(confirmation).select_one("form[method=post] [data-unassign-confirm]")
    assert Assignment.objects.filter(pk=seat.pk).exists()  # asking changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(unassign_url(seat) + f"?cycle={group.pk}")

    assert response["Location"] == f"{BOARD}?cycle={group.pk}"
    assert not Assignment.objects.filter(pk=seat.pk).exists()
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert "CANCEL" in str(mail.outbox[0].message())


# --- the proposal -----------------------------------------------------------------------------


def _shown(response) -> tuple[set[tuple[int, int]], str]:
    page = soup(response)
    pairs = {
        tuple(int(n) for n in tag["data-proposed"].split(":"))
        for tag in page.select("[data-proposed]")
    }
    return pairs, page.select_one("input[name=token]")["value"]


def _assigned(cycle) -> set[tuple[int, int]]:
    return set(
        Assignment.objects.filter(session__series=cycle.series).values_list(
            "session_id", "person_id"
        )
    )


def test_the_proposal_is_a_diff_with_its_figures(group, sign_in):
    f.assign(f.meetings(group)[0], f.user("anim-04"), StaffRole.LEAD)
    client = sign_in("coord-esneux")

    response = client.get(proposal_url(group))

    assert response.status_code == 200
    page = soup(response)
    figures = page.select_one("[data-proposal]")
    assert figures["data-gaps-before"] == "7" and figures["data-filled"] == "7"
    assert figures["data-optimal"] == "yes" and "Optimal" in figures.text
    assert "100 %" in figures.text
    pairs, _token = _shown(response)
    assert len(pairs) == 7
    assert page.select_one("button[data-accept]") and page.select_one("button[data-discard]")
    assert _assigned(group) == {(f.meetings(group)[0].pk, f.user("anim-04").pk)}


def test_accepting_writes_exactly_the_proposal_shown(
    group, sign_in, django_capture_on_commit_callbacks
):
    client = sign_in("coord-esneux")
    shown, token = _shown(client.get(proposal_url(group)))
    assert len(shown) == 8
    # Someone proposed for the first meeting falls ill before the coordinator accepts: a
    # proposal computed again would put someone else there; the one shown skips that seat.
    first = f.meetings(group)[0]
    ill = next(p for s, p in sorted(shown) if s == first.pk)
    day = local_day(first)
    Absence.objects.create(person_id=ill, start_date=day, end_date=day)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("groups_roster:proposal"),
            {"token": token, "action": "accept", "cycle": group.pk},
        )

    assert response.status_code == 200
    assert _assigned(group) == shown - {(first.pk, ill)}
    page = soup(response)
    assert page.select_one("[data-applied]")["data-applied"] == "7"
    assert "Absent on" in page.select_one("[data-skipped]").text
    assert len(mail.outbox) == 7


def test_a_tampered_foreign_or_old_proposal_writes_nothing(group, sign_in):
    client = sign_in("coord-esneux")
    shown, token = _shown(client.get(proposal_url(group)))
    url = reverse("groups_roster:proposal")
    session_id, person_id = sorted(shown)[0]
    other = f.user("anim-07").pk if person_id != f.user("anim-07").pk else f.user("anim-06").pk
    forged = [
        token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),  # altered signature
        sign_proposal(  # someone else's
            f.user("coordination"), roster.Proposal(((session_id, other),), 8, 1, 1.0, 1, True), {}
        ),
        "",
    ]
    with time_machine.travel(timezone.now() - dt.timedelta(hours=2)):
        forged.append(
            sign_proposal(
                f.user("coord-esneux"),
                roster.Proposal(((session_id, other),), 8, 1, 1.0, 1, True),
                {},
            )
        )
    from django.core import signing

    forged.append(  # well signed, but not by this page's salt
        signing.dumps({"u": f.user("coord-esneux").pk, "a": [[session_id, other]]}, salt="x")
    )
    assert PROPOSAL_SALT != "x"
    for bad in forged:
        response = client.post(url, {"token": bad, "action": "accept"}, follow=True)
        assert "cannot be accepted" in messages_of(response), bad
        assert _assigned(group) == set()


def test_discarding_writes_nothing(group, sign_in):
    client = sign_in("coord-esneux")
    _shown_pairs, token = _shown(client.get(proposal_url(group)))

    response = client.post(
        reverse("groups_roster:proposal"),
        {"token": token, "action": "discard", "cycle": group.pk},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{BOARD}?cycle={group.pk}"
    assert _assigned(group) == set()


def test_a_proposal_needs_a_cycle_or_a_month(group, sign_in):
    response = sign_in("coord-esneux").get(reverse("groups_roster:proposal"))
    assert response.status_code == 302 and response["Location"] == BOARD


# --- who may ----------------------------------------------------------------------------------


@pytest.fixture
def scene(group):
    first, second, *_rest = f.meetings(group)
    seat = f.assign(first, f.user("animateur"), StaffRole.LEAD)
    f.member("coord-hors-champ", roles.COMMUNE_COORDINATOR, ("Aywaille",))
    return {"cycle": group, "first": first, "second": second, "seat": seat}


def _requests(scene) -> list[tuple[str, str, dict | None]]:
    cycle, second, seat = scene["cycle"], scene["second"], scene["seat"]
    proposal = reverse("groups_roster:proposal")
    return [
        ("board of the cycle", f"{BOARD}?cycle={cycle.pk}", None),
        ("gap", gap_url(second), None),
        ("assign", gap_url(second), {"person": f.user("anim-06").pk}),
        ("unassign (confirm)", unassign_url(seat), None),
        ("unassign", unassign_url(seat), {}),
        ("proposal", proposal_url(cycle), None),
        ("accept", proposal, {"action": "accept", "token": "x", "cycle": cycle.pk}),
    ]


def _unchanged(scene) -> bool:
    return _assigned(scene["cycle"]) == {(scene["first"].pk, f.user("animateur").pk)}


@pytest.mark.parametrize(
    "username",
    ["animateur", "anim-05", "professionnelle", None],
    ids=["facilitator assigned", "facilitator not assigned", "professional", "anonymous"],
)
def test_people_without_admin_access_are_kept_out(scene, client, sign_in, username):
    if username:
        client = sign_in(username)
    for what, url, data in [("board", BOARD, None), *_requests(scene)]:
        response = client.get(url) if data is None else client.post(url, data)
        assert response.status_code in (302, 403), (what, response.status_code)
        if response.status_code == 302:
            assert "/login/" in response["Location"] or response["Location"].startswith(
                "/admin/"
            ), what
    assert _unchanged(scene)


def test_a_coordinator_of_another_commune_finds_nothing_of_the_cycle(scene, sign_in):
    client = sign_in("coord-hors-champ", "a-long-password")
    board = client.get(BOARD)
    assert board.status_code == 200
    assert scene["cycle"].name not in board.content.decode()
    assert not soup(board).select(f'[data-session="{scene["first"].pk}"]')
    for what, url, data in _requests(scene):
        response = client.get(url) if data is None else client.post(url, data)
        if what == "accept":  # the token is checked before anything: refused, nothing written
            assert response.status_code == 302, what
        else:
            assert response.status_code == 404, (what, response.status_code)
    assert _unchanged(scene)


@pytest.mark.parametrize("username", ["coord-esneux", "coordination"])
def test_coordinators_in_scope_reach_every_view(scene, sign_in, username):
    client = sign_in(username)
    for what, url, data in [("board", BOARD, None), *_requests(scene)]:
        if data is not None:
            continue
        assert client.get(url).status_code == 200, what
    response = client.post(gap_url(scene["second"]), {"person": f.user("anim-06").pk})
    assert response.status_code == 302
    assert Assignment.objects.filter(session=scene["second"], person__username="anim-06").exists()


def test_the_menu_item_is_for_planners_only(demo_data):
    factory = RequestFactory()
    item = RosterMenuItem("Roster board", BOARD)
    for username, shown in (
        ("coord-esneux", True),
        ("coordination", True),
        ("animateur", False),
        ("professionnelle", False),
    ):
        request = factory.get("/admin/")
        request.user = f.user(username)
        assert item.is_shown(request) is shown, username
    request = factory.get("/admin/")
    request.user = AnonymousUser()
    assert item.is_shown(request) is False


def test_the_admin_menu_links_to_the_board(demo_data, sign_in):
    response = sign_in("coord-esneux").get("/admin/")
    assert BOARD in response.content.decode()


# --- privacy ----------------------------------------------------------------------------------


def test_no_child_appears_on_any_roster_page(scene, sign_in):
    child = Participant.objects.create(
        alias="Zoélie-Confidentielle",
        birth_year=2017,
        referral_source=ReferralSource.SCHOOL,
        commune=f.commune("Esneux"),
    )
    Membership.objects.create(
        cycle=scene["cycle"], participant=child, status=MembershipStatus.ADMITTED
    )
    client = sign_in("coord-esneux")
    pages = [BOARD, *(url for _what, url, data in _requests(scene) if data is None)]
    for url in pages:
        body = client.get(url).content.decode()
        assert child.alias not in body and child.code not in body, url
    token = re.search(
        r'name="token" value="([^"]+)"', client.get(proposal_url(scene["cycle"])).content.decode()
    )[1]
    accepted = client.post(
        reverse("groups_roster:proposal"), {"token": token, "action": "accept"}
    ).content.decode()
    assert child.alias not in accepted and child.code not in accepted


def test_the_roster_exports_as_csv_and_xlsx_without_child_data_and_is_audited(client, demo_data):
    import io

    import openpyxl

    from groups.models import Participant
    from network.models import AuditEntry

    client.force_login(f.user("coord-esneux"))
    url = reverse("groups_roster:export")
    csv_text = client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert "Groupe 6–11 ans — Esneux" in csv_text
    assert "Place libre" in csv_text or "Open seat" in csv_text
    book = openpyxl.load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content))
    values = {str(c.value) for row in book.active.iter_rows() for c in row if c.value}
    for child in Participant.objects.all():
        assert child.code not in csv_text and child.alias not in csv_text
        assert child.code not in values and child.alias not in values
    assert AuditEntry.objects.filter(action="export.roster").count() == 2

    client.force_login(f.user("animateur"))
    assert client.get(url).status_code in (302, 403)
