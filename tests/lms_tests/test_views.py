"""Front end of lms/: catalogue, module page, enrolment actions, Mon parcours, requests."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Page

from lms import services
from lms.models import (
    Approval,
    Audience,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    ModulePage,
    PathModule,
    TrainingCatalogPage,
    TrainingPathPage,
)
from network.models import Commune

pytestmark = pytest.mark.django_db


def _catalog() -> TrainingCatalogPage:
    existing = TrainingCatalogPage.objects.first()
    if existing is not None:
        return existing
    home = Page.objects.get(depth=2)
    catalog = TrainingCatalogPage(title="Formations", slug="formations")
    home.add_child(instance=catalog)
    return catalog


def _module(code: str, title: str, **fields) -> ModulePage:
    module = ModulePage(title=title, slug=code.lower(), code=code, hours=6, **fields)
    _catalog().add_child(instance=module)
    return module


def _run(module, code, *, days=20, capacity=10, commune="Esneux", **fields) -> CourseRun:
    run = CourseRun.objects.create(
        module=module,
        code=code,
        commune=Commune.objects.get(name=commune),
        capacity=capacity,
        **fields,
    )
    day = timezone.localdate() + dt.timedelta(days=days)
    services.schedule_run(run, [(day, dt.time(9, 0))], duration_minutes=360)
    run.refresh_from_db()
    return run


def _user(username):
    return get_user_model().objects.get(username=username)


def _grow(size: int) -> None:
    """More modules, runs, enrolments and paths: pages must not run more queries."""
    audience, _ = Audience.objects.get_or_create(name="Police", slug="police")
    pros = list(get_user_model().objects.filter(username__startswith="pro-")[:size])
    for number in range(size):
        module = _module(f"GEN{size}-{number}", f"Module généré {size}-{number}")
        module.audiences.add(audience)
        module.save()
        run = _run(module, f"GEN{size}-{number}-01", days=10 + number, capacity=3)
        for person in pros[: number % 4]:
            services.enrol(person, run)
    path = TrainingPathPage(title=f"Parcours {size}", slug=f"parcours-{size}")
    _catalog().add_child(instance=path)
    for module in ModulePage.objects.filter(code__startswith=f"GEN{size}-")[:3]:
        PathModule.objects.create(path=path, module=module, required=True)


@pytest.fixture
def vep(demo_data):
    module = _module("ZZ-VEP", "Zéphyr : enfants exposés")
    run = _run(module, "ZZ-VEP-2027-01", capacity=2)
    return module, run


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_catalogue_lists_filters_and_searches(client, vep):
    module, run = vep
    _module("ZZ-PV", "Quokka en ligne", format="online")
    response = client.get("/formations/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zéphyr : enfants exposés" in html
    assert "Quokka en ligne" in html
    html = client.get("/formations/?format=online").content.decode()
    assert "Quokka en ligne" in html and "Zéphyr" not in html
    html = client.get("/formations/?dates=1").content.decode()
    assert "Zéphyr" in html and "Quokka en ligne" not in html
    html = client.get("/formations/?q=zéphyr").content.decode()
    assert "Zéphyr" in html and "Quokka en ligne" not in html
    html = client.get("/formations/?commune=esneux").content.decode()
    assert "Zéphyr" in html
    html = client.get("/formations/?commune=trooz").content.decode()
    assert "Zéphyr" not in html


def test_module_page_says_what_signing_up_will_do(client, vep):
    module, run = vep
    html = client.get(module.url).content.decode()
    assert "ZZ-VEP-2027-01" in html and "Se connecter" in html or "Sign in" in html
    client.force_login(_user("professionnelle"))
    html = client.get(module.url).content.decode()
    assert f'action="/formations/inscription/{run.pk}/"' in html
    for person in ("pro-01", "pro-02"):
        services.enrol(_user(person), run)
    html = client.get(module.url).content.decode()
    assert 'name="next"' in html
    response = client.post(f"/formations/inscription/{run.pk}/", {"next": module.url})
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(run=run, person__username="professionnelle")
    assert enrolment.status == EnrolmentStatus.WAITLISTED and enrolment.waitlist_position == 1


def test_enrol_cancel_and_dashboard(client, vep):
    module, run = vep
    client.force_login(_user("professionnelle"))
    client.post(f"/formations/inscription/{run.pk}/")
    enrolment = Enrolment.objects.get(run=run, person__username="professionnelle")
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    html = client.get("/mon-parcours/").content.decode()
    assert "Zéphyr : enfants exposés" in html
    session = run.sessions().get()
    assert f"/agenda/seance/{session.uid}.ics" in html
    ics = client.get(f"/agenda/seance/{session.uid}.ics")
    assert ics.status_code == 200 and b"BEGIN:VEVENT" in ics.content
    # Someone else cannot cancel it.
    other = _user("pro-03")
    client.force_login(other)
    assert client.post(f"/mon-parcours/inscriptions/{enrolment.pk}/annuler/").status_code == 404
    client.force_login(_user("professionnelle"))
    client.post(f"/mon-parcours/inscriptions/{enrolment.pk}/annuler/")
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CANCELLED


def test_referent_approves_a_request_of_their_organisation(client, vep):
    module, run = vep
    run.approval = Approval.REFERENT
    run.save()
    referent = _user("referente")
    colleague = (
        get_user_model()
        .objects.filter(
            member_profile__organisation=referent.member_profile.organisation,
            username__startswith="pro-",
        )
        .first()
    )
    enrolment = services.enrol(colleague, run)
    assert enrolment.status == EnrolmentStatus.REQUESTED
    # Another organisation's member cannot decide it, nor see the page of requests.
    client.force_login(_user("professionnelle"))
    assert (
        client.post(f"/mon-parcours/demandes/{enrolment.pk}/", {"decision": "approve"}).status_code
        == 404
    )
    client.force_login(referent)
    html = client.get("/mon-parcours/demandes/").content.decode()
    assert colleague.get_full_name() in html
    response = client.post(f"/mon-parcours/demandes/{enrolment.pk}/", {"decision": "reject"})
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.REQUESTED  # a refusal needs a reason
    client.post(f"/mon-parcours/demandes/{enrolment.pk}/", {"decision": "approve"})
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    assert response.status_code == 302


def test_attendance_sheet_for_the_trainer_only(client, vep):
    module, run = vep
    person = _user("professionnelle")
    enrolment = services.enrol(person, run)
    session = run.sessions().get()
    from sessions.models import Assignment, StaffRole

    Assignment.objects.create(session=session, person=_user("formatrice"), role=StaffRole.TRAINER)
    client.force_login(person)
    assert client.get(f"/formations/presences/{session.pk}/").status_code == 404
    client.force_login(_user("formatrice"))
    html = client.get(f"/formations/presences/{session.pk}/").content.decode()
    assert "dès que la séance a commencé" in html  # not before the session
    with time_machine.travel(session.end, tick=False):
        client.force_login(_user("formatrice"))  # weeks later: a new login session
        html = client.get(f"/formations/presences/{session.pk}/").content.decode()
        assert 'name="status-' in html and person.get_full_name() in html
        # A partial presence without hours is refused with a message, and nothing is saved.
        url = f"/formations/presences/{session.pk}/"
        client.post(url, {f"status-{enrolment.pk}": "partial"})
        assert not enrolment.attendance.exists()
        client.post(url, {f"status-{enrolment.pk}": "present"})
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    client.force_login(person)
    response = client.get(f"/mon-parcours/inscriptions/{enrolment.pk}/evaluation/")
    assert response.status_code == 200
    client.post(
        f"/mon-parcours/inscriptions/{enrolment.pk}/evaluation/",
        {"relevance": 5, "clarity": 4, "trainers": 5, "organisation": 3, "comment": "Utile"},
    )
    assert enrolment.evaluation.relevance == 5


def test_pages_run_the_same_number_of_queries_at_two_sizes(client, vep):
    module, run = vep
    person = _user("professionnelle")
    services.enrol(person, run)
    client.force_login(person)
    _grow(3)
    small = {url: _count(client, url) for url in ("/formations/", module.url, "/mon-parcours/")}
    _grow(9)
    large = {url: _count(client, url) for url in ("/formations/", module.url, "/mon-parcours/")}
    assert small == large
