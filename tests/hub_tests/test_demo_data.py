"""`load_demo_data`: the contract accounts, idempotent, refused where it is unsafe."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from wagtail.models import Page, Revision

from hub.demo.site import DEMO_ACCOUNTS

pytestmark = pytest.mark.django_db

CONTRACT_USERNAMES = {
    "coordination",
    "coord-esneux",
    "referente",
    "formatrice",
    "animateur",
    "professionnelle",
}


def _snapshot():
    users = get_user_model().objects.order_by("username")
    return {
        "users": [
            (u.username, u.email, u.password, tuple(u.groups.values_list("name", flat=True)))
            for u in users
        ],
        "pages": list(Page.objects.order_by("path").values_list("path", "title", "slug", "live")),
        "revisions": Revision.objects.count(),
        "home_body": json.dumps(list(Page.objects.get(depth=2).specific.body.raw_data)),
    }


def test_contract_accounts_exist_with_the_demo_password(demo_data):
    user_model = get_user_model()
    assert set(user_model.objects.values_list("username", flat=True)) >= CONTRACT_USERNAMES
    for account in DEMO_ACCOUNTS:
        user = user_model.objects.get(username=account.username)
        assert user.check_password("demo-maillage")
        assert user.email.endswith(".example")
        assert list(user.groups.values_list("name", flat=True)) == [account.role.name]
        assert not user.is_superuser


def test_running_it_twice_changes_nothing(demo_data):
    before = _snapshot()
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    assert _snapshot() == before


def test_if_empty_leaves_an_existing_database_alone(db):
    get_user_model().objects.create_user("quelqu-un", password="x")
    call_command("load_demo_data", "--if-empty", verbosity=0)
    assert not get_user_model().objects.filter(username="coordination").exists()


def test_refused_when_demo_data_is_not_allowed(db, settings):
    settings.MAILLAGE_ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError, match="refused"):
        call_command("load_demo_data", verbosity=0)
    assert not get_user_model().objects.exists()


def test_fake_people_only(demo_data):
    for email in get_user_model().objects.values_list("email", flat=True):
        assert email.endswith(".example"), email


def test_demo_network_has_the_sample_files_organisations_and_its_people(demo_data):
    import csv
    from pathlib import Path

    from network.models import Commune, MemberProfile, Organisation

    sample = Path(__file__).resolve().parents[1] / "data" / "imports" / "membres-exemple.csv"
    names = {
        "Administration communale d'Aywaille",
        "CPAS d'Esneux",
        "CPAS de Trooz",
        "Zone de police Secova — Service d'assistance policière aux victimes",
        "École communale de Sprimont",
    }
    if sample.exists():
        with sample.open(encoding="cp1252", newline="") as handle:
            names = {row["Organisation"] for row in csv.DictReader(handle, delimiter=";")}
    assert names <= set(Organisation.objects.values_list("name", flat=True))
    assert list(Commune.objects.values_list("name", flat=True)) == [
        "Aywaille",
        "Chaudfontaine",
        "Esneux",
        "Sprimont",
        "Trooz",
    ]
    police = Organisation.objects.get(kind="police")
    assert police.communes.count() == 5
    assert MemberProfile.objects.filter(user__username__startswith="pro-").count() == 40
    assert MemberProfile.objects.filter(user__groups__name="Animateur·rice").count() == 8
    assert MemberProfile.objects.filter(user__groups__name="Formateur·rice").count() == 2
    assert MemberProfile.objects.filter(user__groups__name="Référent·e d'organisation").count() == 5


def test_demo_facilitators_agenda_page_shows_a_working_feed_url(client, demo_data):
    import re

    assert client.login(username="animateur", password="demo-maillage")
    page = client.get("/mon-agenda/").content.decode()
    assert "Intervision — réseau Secova" in page
    url = re.search(r"https?://[^\s\"<]+\.ics", page).group(0)
    from urllib.parse import urlsplit

    feed = client.get(urlsplit(url).path)
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")
    body = feed.content.decode()
    assert "Intervision — réseau Secova" in body
    assert "Adresse communiquée" not in body  # the confidential venue never leaves


# --- training ------------------------------------------------------------------------------


def _training_counts():
    from lms.models import (
        Attendance,
        Audience,
        CourseRun,
        Enrolment,
        Evaluation,
        Interest,
        ModulePage,
        PathCompletion,
        PathModule,
        TrainingPathPage,
    )
    from network.models import AuditEntry
    from sessions.models import Assignment, Series, Session, Venue

    models = (
        Attendance,
        Audience,
        CourseRun,
        Enrolment,
        Evaluation,
        Interest,
        ModulePage,
        PathCompletion,
        PathModule,
        TrainingPathPage,
        Assignment,
        Series,
        Session,
        Venue,
        AuditEntry,
    )
    counts = {model.__name__: model.objects.count() for model in models}
    counts["enrolments"] = sorted(
        Enrolment.objects.values_list(
            "run__code", "person__username", "status", "waitlist_position", "completed_at"
        )
    )
    counts["runs"] = sorted(
        CourseRun.objects.values_list("code", "seats_taken", "starts_at", "ends_at", "updated_at")
    )
    return counts


def test_demo_catalogue_has_modules_and_paths_under_formations(demo_data):
    from lms.models import ModulePage, TrainingCatalogPage, TrainingPathPage

    catalog = TrainingCatalogPage.objects.live().get()
    assert catalog.url_path.endswith("/formations/")
    assert catalog.get_parent().specific_class.__name__ == "HomePage"
    modules = ModulePage.objects.live().child_of(catalog)
    assert modules.count() >= 12
    for module in modules:
        assert module.code and module.summary and module.provider
        assert len(module.outcome_list) >= 2
        assert module.audiences.exists()
        assert {block.block_type for block in module.body} >= {"heading", "programme"}
    vep = modules.get(code="PR-VEP")
    assert vep.title == "Enfants exposés aux violences conjugales"
    assert vep.hours == 6
    assert modules.get(code="PR-DOM").prerequisites.filter(code="PR-CVP").exists()
    assert modules.filter(completion_threshold=80).exists()
    paths = TrainingPathPage.objects.live().child_of(catalog)
    assert paths.count() >= 2
    for path in paths:
        links = list(path.path_modules.all())
        assert any(link.required for link in links)
        assert path.electives_required <= sum(not link.required for link in links)


def test_demo_past_run_has_one_session_attendance_and_completions(demo_data):
    import datetime as dt
    import zoneinfo

    from lms.models import Attendance, CourseRun, EnrolmentStatus, Evaluation

    run = CourseRun.objects.get(code="PR-VEP-2026-01")
    assert run.module.code == "PR-VEP"
    (session,) = run.sessions()
    local = session.start.astimezone(zoneinfo.ZoneInfo("Europe/Brussels"))
    assert (local.date(), local.time()) == (dt.date(2026, 10, 14), dt.time(9, 0))
    assert session.end - session.start == dt.timedelta(hours=6)
    assert 8 <= run.enrolments.count() <= 12
    statuses = set(Attendance.objects.filter(session=session).values_list("status", flat=True))
    assert statuses == {"present", "partial", "absent", "excused"}
    completed = run.enrolments.filter(status=EnrolmentStatus.COMPLETED)
    assert completed.filter(person__username="professionnelle").exists()
    assert completed.count() == Attendance.objects.filter(session=session, status="present").count()
    assert Evaluation.objects.filter(enrolment__run=run).count() >= 2


def test_demo_runs_keep_seat_and_waitlist_invariants_and_one_is_full(demo_data):
    from lms.models import SEAT_HOLDING, CourseRun

    full = []
    for run in CourseRun.objects.all():
        assert run.seats_taken == run.enrolments.filter(status__in=SEAT_HOLDING).count(), run
        positions = sorted(
            run.enrolments.filter(status="waitlisted").values_list("waitlist_position", flat=True)
        )
        assert positions == list(range(1, len(positions) + 1)), run
        if positions:
            assert run.seats_taken == run.capacity
            full.append(run)
    assert full, "a full run with a waiting list"
    assert CourseRun.objects.upcoming().filter(approval="coordinator").exists()
    assert CourseRun.objects.upcoming().exclude(online_link="").exists()
    assert CourseRun.objects.upcoming().filter(audience_communes__isnull=False).exists()


def test_demo_referent_has_requests_to_decide(demo_data):
    from lms import services

    referent = get_user_model().objects.get(username="referente")
    requests = list(services.requests_for_referent(referent))
    assert len(requests) >= 2
    for enrolment in requests:
        assert enrolment.run.approval == "referent"
        assert enrolment.person.member_profile.organisation.name == "CPAS de Sprimont"
        assert services.may_decide(referent, enrolment)


def test_demo_professional_can_sign_up_for_children_exposed(demo_data):
    from lms import services
    from lms.models import CourseRun, PathModule

    person = get_user_model().objects.get(username="professionnelle")
    assert person.enrolments.filter(run__code="PR-VEP-2026-01", status="completed").exists()
    assert person.enrolments.filter(status="confirmed", run__in=CourseRun.objects.upcoming())
    run = CourseRun.objects.upcoming().get(module__code="PR-VEP")
    assert run.approval == "automatic" and run.seats_left > 0
    assert not run.enrolments.filter(person=person).exists()
    assert services.preview(person, run).status == "confirmed"
    done = services.completed_module_ids(person)
    assert (
        PathModule.objects.filter(path__path_modules__module_id__in=done)
        .exclude(module_id__in=done)
        .exists()
    ), "a module to do on a path she started"


def test_demo_interest_on_a_module_without_run(demo_data):
    from lms.models import CourseRun, Interest

    interest = Interest.objects.select_related("module").first()
    assert interest is not None
    assert not CourseRun.objects.upcoming().filter(module=interest.module).exists()


def test_running_it_twice_changes_no_training_data(demo_data):
    before = _training_counts()
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    assert _training_counts() == before


def test_demo_training_writes_to_nobody(db, mailoutbox):
    """Fake people are not e-mailed when the demo enrols them (notifications are muted)."""
    from django.core.management import call_command

    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    assert [m.subject for m in mailoutbox] == []
