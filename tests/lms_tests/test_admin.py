"""The training admin: scoped by commune on every URL, runs with their sessions and trainers,
enrolment actions through the services, evaluation results, the run's CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from lms import services
from lms.models import (
    Approval,
    Audience,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
    ModulePage,
    RunStatus,
    TrainingCatalogPage,
)
from network.models import AuditEntry, Commune, MemberProfile
from sessions.models import Assignment, SessionStatus, StaffRole

pytestmark = pytest.mark.django_db

PASSWORD = "demo-maillage"


def _catalog() -> TrainingCatalogPage:
    existing = TrainingCatalogPage.objects.first()
    if existing is not None:
        return existing
    return Page.objects.get(depth=2).add_child(
        instance=TrainingCatalogPage(title="Formations", slug="formations")
    )


def _module(code: str, title: str) -> ModulePage:
    return _catalog().add_child(
        instance=ModulePage(title=title, slug=code.lower(), code=code, hours=6)
    )


def _run(module, code, commune, *, capacity=10, days=20, **fields) -> CourseRun:
    run = CourseRun.objects.create(
        module=module,
        code=code,
        commune=Commune.objects.get(name=commune),
        capacity=capacity,
        **fields,
    )
    day = timezone.localdate() + dt.timedelta(days=days)
    services.schedule_run(
        run,
        [(day, dt.time(9, 0)), (day + dt.timedelta(days=7), dt.time(9, 0))],
        duration_minutes=180,
    )
    run.refresh_from_db()
    return run


def _user(username):
    return get_user_model().objects.get(username=username)


def _members(organisation: str, count: int):
    return [
        profile.user
        for profile in MemberProfile.objects.filter(
            organisation__name=organisation, user__username__startswith="pro-"
        ).select_related("user")[:count]
    ]


@pytest.fixture
def training(demo_data):
    module = _module("ADM-VIF", "Repérer les violences intrafamiliales")
    esneux = _run(module, "ADM-ESN-01", "Esneux", capacity=1)
    aywaille = _run(module, "ADM-AYW-01", "Aywaille", capacity=1, days=40)
    other = _module("ADM-ENF", "Enfants exposés")
    requests = _run(other, "ADM-ESN-02", "Esneux", approval=Approval.COORDINATOR, days=30)
    return {"module": module, "esneux": esneux, "aywaille": aywaille, "requests": requests}


@pytest.fixture
def sign_in(client):
    def signed(username):
        client.logout()
        assert client.login(username=username, password=PASSWORD), username
        return client

    return signed


def _waitlisted(run, organisation="CPAS d'Esneux"):
    """One person confirmed on the run's only seat, one on the waiting list."""
    first, second = _members(organisation, 2)
    confirmed = services.enrol(first, run)
    waiting = services.enrol(second, run)
    assert (confirmed.status, waiting.status) == (
        EnrolmentStatus.CONFIRMED,
        EnrolmentStatus.WAITLISTED,
    )
    return confirmed, waiting


# --- scope ---------------------------------------------------------------------------------


def test_commune_coordinator_lists_their_communes_runs_and_enrolments(training, sign_in):
    services.enrol(_members("CPAS d'Esneux", 1)[0], training["esneux"])
    outside = services.enrol(_members("CPAS d'Aywaille", 1)[0], training["aywaille"])
    client = sign_in("coord-esneux")

    runs = client.get(reverse("lms_runs:index"))
    assert runs.status_code == 200
    assert "ADM-ESN-01" in runs.content.decode()
    assert "ADM-AYW-01" not in runs.content.decode()

    enrolments = client.get(reverse("lms_enrolments:index"))
    assert enrolments.status_code == 200
    content = enrolments.content.decode()
    assert "ADM-ESN-01" in content
    assert "ADM-AYW-01" not in content
    assert f"#enrolment-{outside.pk}" not in content

    network = sign_in("coordination").get(reverse("lms_runs:index")).content.decode()
    assert "ADM-ESN-01" in network and "ADM-AYW-01" in network


def test_commune_coordinator_gets_404_on_every_url_of_another_communes_run(training, sign_in):
    run = training["aywaille"]
    enrolment = services.enrol(_members("CPAS d'Aywaille", 1)[0], run)
    client = sign_in("coord-esneux")
    run_urls = [
        reverse(f"lms_runs:{name}", args=[run.pk])
        for name in (
            "edit",
            "delete",
            "history",
            "history_results",
            "usage",
            "inspect",
            "cancel",
            "export",
            "evaluations",
        )
    ]
    enrolment_urls = [
        reverse(f"lms_enrolments:{name}", args=[enrolment.pk])
        for name in ("approve", "reject", "promote", "cancel", "history", "usage")
    ]
    for url in run_urls + enrolment_urls:
        assert client.get(url).status_code == 404, url
    for url in run_urls[-3:] + enrolment_urls[:4]:
        assert client.post(url, {"reason": "Hors champ"}).status_code == 404, url
    run.refresh_from_db()
    assert run.status == RunStatus.PLANNED
    assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.CONFIRMED
    assert not AuditEntry.objects.filter(action="export.enrolments").exists()


def test_the_network_coordination_opens_every_run(training, sign_in):
    client = sign_in("coordination")
    for run in (training["esneux"], training["aywaille"]):
        page = client.get(reverse("lms_runs:inspect", args=[run.pk]))
        assert page.status_code == 200
        assert run.code in page.content.decode()


def test_people_without_admin_access_are_kept_out(training, sign_in):
    run = training["esneux"]
    for username in ("professionnelle", "formatrice"):
        client = sign_in(username)
        for url in (
            reverse("lms_runs:index"),
            reverse("lms_runs:inspect", args=[run.pk]),
            reverse("lms_runs:export", args=[run.pk]),
        ):
            response = client.get(url)
            assert response.status_code in (302, 403, 404), (username, url)


# --- the run's page ------------------------------------------------------------------------


def test_run_page_lists_sessions_with_their_attendance_sheet_and_enrolments(training, sign_in):
    run = training["esneux"]
    confirmed, waiting = _waitlisted(run)
    page = sign_in("coord-esneux").get(reverse("lms_runs:inspect", args=[run.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    sessions = list(run.sessions().order_by("start"))
    assert len(sessions) == 2
    for session in sessions:
        assert reverse("lms:attendance", kwargs={"session_id": session.pk}) in content
        assert timezone.localtime(session.start).strftime("%d/%m/%Y %H:%M") in content
    assert confirmed.person.last_name in content
    assert reverse("lms_enrolments:promote", args=[waiting.pk]) in content


def test_run_page_filters_enrolments_by_status_and_organisation(training, sign_in):
    run = training["esneux"]
    confirmed, waiting = _waitlisted(run)
    client = sign_in("coord-esneux")
    url = reverse("lms_runs:inspect", args=[run.pk])
    only_waiting = client.get(url, {"status": EnrolmentStatus.WAITLISTED}).content.decode()
    assert f'id="enrolment-{waiting.pk}"' in only_waiting
    assert f'id="enrolment-{confirmed.pk}"' not in only_waiting
    organisation = confirmed.person.member_profile.organisation
    by_organisation = client.get(url, {"organisation": organisation.pk}).content.decode()
    assert f'id="enrolment-{confirmed.pk}"' in by_organisation


def test_enrolments_listing_filters_by_status(training, sign_in):
    confirmed, waiting = _waitlisted(training["esneux"])
    client = sign_in("coord-esneux")
    listing = client.get(
        reverse("lms_enrolments:index"), {"status": EnrolmentStatus.WAITLISTED}
    ).content.decode()
    assert waiting.person.last_name in listing
    assert confirmed.person.last_name not in listing
    # Each row leads back to its run's page.
    assert reverse("lms_runs:inspect", args=[training["esneux"].pk]) in listing


# --- creating and editing runs -------------------------------------------------------------


def _run_form(module, commune, **overrides):
    day = timezone.localdate() + dt.timedelta(days=45)
    data = {
        "module": module.pk,
        "code": "ADM-NEW-01",
        "commune": commune.pk,
        "venue": "",
        "capacity": 12,
        "min_participants": 4,
        "enrolment_opens": "",
        "enrolment_closes": "",
        "cancellation_deadline_days": 3,
        "approval": Approval.AUTOMATIC,
        "online_link": "",
        "offer_hold_hours": 48,
        "dates_text": f"{day:%d/%m/%Y} 09:30\n{day + dt.timedelta(days=1):%d/%m/%Y} 13:00\n",
        "duration_minutes": 150,
        "trainers": [_user("formatrice").pk],
    }
    data.update(overrides)
    return data


def test_creating_a_run_with_dates_makes_its_sessions_and_assigns_its_trainers(training, sign_in):
    client = sign_in("coord-esneux")
    esneux = Commune.objects.get(name="Esneux")
    response = client.post(reverse("lms_runs:add"), _run_form(training["module"], esneux))
    assert response.status_code == 302, response.context["form"].errors
    run = CourseRun.objects.get(code="ADM-NEW-01")
    assert response["Location"] == reverse("lms_runs:inspect", args=[run.pk])
    sessions = list(run.sessions().order_by("start"))
    assert [timezone.localtime(s.start).strftime("%H:%M") for s in sessions] == ["09:30", "13:00"]
    assert all(s.end - s.start == dt.timedelta(minutes=150) for s in sessions)
    assert run.starts_at == sessions[0].start
    trainer = _user("formatrice")
    assert (
        Assignment.objects.filter(
            session__in=sessions, person=trainer, role=StaffRole.TRAINER
        ).count()
        == 2
    )
    assert list(services.trainers_of(run)) == [trainer]


def test_the_run_form_refuses_bad_dates_and_another_commune(training, sign_in):
    client = sign_in("coord-esneux")
    aywaille = Commune.objects.get(name="Aywaille")
    response = client.post(
        reverse("lms_runs:add"),
        _run_form(training["module"], aywaille, dates_text="32/13/2027 9h"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "commune" in errors and "dates_text" in errors
    assert not CourseRun.objects.filter(code="ADM-NEW-01").exists()


def test_editing_a_run_keeps_its_dates_and_offers_seats_when_capacity_grows(training, sign_in):
    run = training["esneux"]
    _confirmed, waiting = _waitlisted(run)
    client = sign_in("coord-esneux")
    url = reverse("lms_runs:edit", args=[run.pk])
    form = client.get(url).context["form"]
    dates = form["dates_text"].value()
    assert len(dates.splitlines()) == 2
    data = _run_form(
        training["module"],
        run.commune,
        code=run.code,
        capacity=2,
        min_participants=0,
        dates_text=dates,
        duration_minutes=180,
        trainers=[],
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    run.refresh_from_db()
    assert run.capacity == 2
    assert run.sessions().count() == 2
    assert Enrolment.objects.get(pk=waiting.pk).status == EnrolmentStatus.OFFERED
    assert run.seats_taken == 2


def test_capacity_below_the_seats_taken_is_refused(training, sign_in):
    run = training["esneux"]
    services.enrol(_members("CPAS d'Esneux", 1)[0], run)
    client = sign_in("coord-esneux")
    url = reverse("lms_runs:edit", args=[run.pk])
    dates = client.get(url).context["form"]["dates_text"].value()
    data = _run_form(
        training["module"],
        run.commune,
        code=run.code,
        capacity=1,
        min_participants=2,
        dates_text=dates,
        trainers=[],
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "min_participants" in response.context["form"].errors


def test_cancelling_a_run_asks_for_a_reason_and_tells_everyone(training, sign_in):
    run = training["esneux"]
    confirmed, waiting = _waitlisted(run)
    client = sign_in("coord-esneux")
    url = reverse("lms_runs:cancel", args=[run.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 200
    run.refresh_from_db()
    assert run.status == RunStatus.PLANNED
    response = client.post(url, {"reason": "Formatrice malade"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert run.cancel_reason == "Formatrice malade"
    for enrolment in (confirmed, waiting):
        assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.CANCELLED
    assert set(run.sessions().values_list("status", flat=True)) == {SessionStatus.CANCELLED}


# --- enrolment actions ---------------------------------------------------------------------


def test_approve_and_reject_requests(training, sign_in):
    run = training["requests"]
    first, second = _members("CPAS d'Esneux", 2)
    approved = services.enrol(first, run)
    refused = services.enrol(second, run)
    assert approved.status == refused.status == EnrolmentStatus.REQUESTED
    client = sign_in("coord-esneux")
    back = reverse("lms_runs:inspect", args=[run.pk])

    assert client.get(reverse("lms_enrolments:approve", args=[approved.pk])).status_code == 200
    response = client.post(reverse("lms_enrolments:approve", args=[approved.pk]), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    approved.refresh_from_db()
    assert approved.status == EnrolmentStatus.CONFIRMED
    assert approved.decided_by == _user("coord-esneux")

    url = reverse("lms_enrolments:reject", args=[refused.pk])
    assert client.post(url, {"reason": ""}).status_code == 200  # a reason is required
    assert Enrolment.objects.get(pk=refused.pk).status == EnrolmentStatus.REQUESTED
    assert client.post(url, {"reason": "Public non visé"}).status_code == 302
    refused.refresh_from_db()
    assert (refused.status, refused.reason) == (EnrolmentStatus.REJECTED, "Public non visé")


def test_a_service_refusal_is_shown_as_an_error_message(training, sign_in):
    run = training["requests"]
    enrolment = services.enrol(_members("CPAS d'Esneux", 1)[0], run)
    client = sign_in("coord-esneux")
    url = reverse("lms_enrolments:approve", args=[enrolment.pk])
    client.post(url)
    response = client.post(url, follow=True)  # already approved: WrongStatus
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    from lms.exceptions import WrongStatus

    assert ("error", str(WrongStatus.default_message)) in shown


def test_promote_from_the_waitlist_without_and_with_an_added_seat(training, sign_in):
    run = training["esneux"]
    _confirmed, waiting = _waitlisted(run)
    client = sign_in("coord-esneux")
    url = reverse("lms_enrolments:promote", args=[waiting.pk])
    assert client.get(url).status_code == 200
    client.post(url)  # no free seat: stays at the head of the list
    waiting.refresh_from_db()
    assert (waiting.status, waiting.waitlist_position) == (EnrolmentStatus.WAITLISTED, 1)

    client.post(url, {"add_seat": "1"})
    waiting.refresh_from_db()
    run.refresh_from_db()
    assert waiting.status == EnrolmentStatus.CONFIRMED
    assert (run.capacity, run.seats_taken) == (2, 2)


def test_coordinator_cancels_an_enrolment_with_a_reason_and_the_seat_moves_on(training, sign_in):
    run = training["esneux"]
    confirmed, waiting = _waitlisted(run)
    client = sign_in("coord-esneux")
    url = reverse("lms_enrolments:cancel", args=[confirmed.pk])
    assert client.post(url, {"reason": ""}).status_code == 200
    assert Enrolment.objects.get(pk=confirmed.pk).status == EnrolmentStatus.CONFIRMED
    client.post(url, {"reason": "Changement de service"})
    confirmed.refresh_from_db()
    assert confirmed.status == EnrolmentStatus.CANCELLED
    assert confirmed.reason == "Changement de service"
    assert Enrolment.objects.get(pk=waiting.pk).status == EnrolmentStatus.OFFERED


# --- export --------------------------------------------------------------------------------


def test_export_lists_the_runs_enrolments_safely_with_an_audit_entry(training, sign_in):
    run = training["esneux"]
    confirmed, waiting = _waitlisted(run)
    person = confirmed.person
    person.first_name = '=HYPERLINK("http://x")'
    person.save()
    client = sign_in("coord-esneux")
    response = client.get(reverse("lms_runs:export", args=[run.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3  # header and two people
    by_email = {row[2]: row for row in rows[1:]}
    first = by_email[person.email]
    assert first[0].startswith("'")  # a formula in a name is neutralised
    assert first[1] == person.member_profile.organisation.name
    assert first[3] == str(EnrolmentStatus.CONFIRMED.label)
    second = by_email[waiting.person.email]
    assert second[4] == "1"  # waiting list position
    entry = AuditEntry.objects.get(action="export.enrolments")
    assert entry.object_key == str(run.pk)
    assert entry.actor_key


def test_export_needs_the_export_permission(training, sign_in, monkeypatch):
    from network import permissions

    run = training["esneux"]
    real_can = permissions.can
    monkeypatch.setattr(
        permissions,
        "can",
        lambda user, action, obj: False if action == "export" else real_can(user, action, obj),
    )
    response = sign_in("coord-esneux").get(reverse("lms_runs:export", args=[run.pk]))
    # Wagtail's admin answers a PermissionDenied with a redirect to its home and a message.
    assert response.status_code in (302, 403)
    assert not response.get("Content-Type", "").startswith("text/csv")
    assert not AuditEntry.objects.filter(action="export.enrolments").exists()


# --- evaluations ---------------------------------------------------------------------------


def test_evaluation_results_are_averages_and_anonymous_comments(training, sign_in):
    run = training["esneux"]
    people = _members("CPAS d'Esneux", 2)
    for person, ratings, comment in (
        (people[0], (5, 4, 5, 3), "Très utile pour le terrain."),
        (people[1], (4, 4, 2, 4), ""),
    ):
        enrolment = Enrolment.objects.create(
            run=run, person=person, status=EnrolmentStatus.COMPLETED
        )
        Evaluation.objects.create(
            enrolment=enrolment,
            relevance=ratings[0],
            clarity=ratings[1],
            trainers=ratings[2],
            organisation=ratings[3],
            comment=comment,
        )
    response = sign_in("coord-esneux").get(reverse("lms_runs:evaluations", args=[run.pk]))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary["count"] == 2
    assert [average for _label, average in summary["averages"]] == [4.5, 4.0, 3.5, 3.5]
    assert summary["comments"] == ["Très utile pour le terrain."]
    content = response.content.decode()
    assert "Très utile pour le terrain." in content
    for person in people:
        assert person.last_name not in content
        assert person.email not in content


# --- audiences -----------------------------------------------------------------------------


def test_audiences_are_managed_by_the_network_coordination_only(training, sign_in):
    client = sign_in("coordination")
    response = client.post(
        reverse("lms_audiences:add"), {"name": "Enseignant·es", "slug": "enseignants"}
    )
    assert response.status_code == 302
    audience = Audience.objects.get(slug="enseignants")
    client = sign_in("coord-esneux")
    assert client.get(reverse("lms_audiences:edit", args=[audience.pk])).status_code in (
        302,
        403,
        404,
    )
    assert client.post(reverse("lms_audiences:add"), {"name": "X", "slug": "x"}).status_code in (
        302,
        403,
    )
    assert not Audience.objects.filter(slug="x").exists()
