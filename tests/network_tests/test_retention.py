"""`run_due_jobs` applies the privacy registry's retention: at a frozen time, every row just past
its limit is gone, every row just within it stays, and the anonymous statistics do not move."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import models
from django.utils import translation
from django_tasks_db.models import DBTaskResult
from wagtail.admin.models import EditingSession, FormState

from groups import statistics
from groups.models import (
    Consent,
    ConsentScope,
    CycleStatus,
    Guardian,
    MeetingAttendance,
    MeetingAttendanceStatus,
    Membership,
    MembershipStatus,
    Participant,
    ReferralSource,
    SafetyInstruction,
    SafetyKind,
)
from groups.retention import PURGED_ALIAS
from lms.models import (
    Attendance,
    AttendanceStatus,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
    Interest,
    PathCompletion,
)
from network import privacy, retention, roles
from network.models import (
    AuditEntry,
    ErasureLog,
    ImportJob,
    Invitation,
    MemberProfile,
    MemberStatus,
    Organisation,
)
from network.registries import due_jobs
from sessions.models import Absence
from tests.groups_tests import factories as gf
from tests.lms_tests import factories as lf

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2031, 6, 15, 10, 0, tzinfo=gf.BRUSSELS)
TODAY = NOW.date()
EPS = dt.timedelta(minutes=1)
User = get_user_model()


class Expect:
    """Rows made for the test, by model label: those the retention must delete, and the rest."""

    def __init__(self) -> None:
        self.gone: dict[str, set] = defaultdict(set)
        self.kept: dict[str, set] = defaultdict(set)
        self.baseline: dict[str, set] = {}

    def row(self, fate: str, obj: models.Model) -> models.Model:
        return self.gone_row(obj) if fate == "gone" else self.kept_row(obj)

    def gone_row(self, obj: models.Model) -> models.Model:
        self.gone[obj._meta.label_lower].add(obj.pk)
        return obj

    def kept_row(self, obj: models.Model) -> models.Model:
        self.kept[obj._meta.label_lower].add(obj.pk)
        return obj


def _set(obj: models.Model, **fields) -> models.Model:
    """Write fields a model fills itself (auto_now_add, editable=False) after the fact."""
    type(obj)._default_manager.filter(pk=obj.pk).update(**fields)
    return obj


def _user(username: str, organisation: Organisation, **profile) -> User:
    user = User.objects.create_user(
        username, f"{username}@cpas-test.example", "a-long-password", is_active=False
    )
    MemberProfile.objects.create(user=user, organisation=organisation, **profile)
    return user


# --- network -----------------------------------------------------------------------------------


def _network(expect: Expect, organisation: Organisation, someone: User) -> None:
    data = SessionStore().encode({"_auth_user_id": str(someone.pk)})
    for expire, row in ((NOW - EPS, expect.gone_row), (NOW + EPS, expect.kept_row)):
        row(
            Session.objects.create(
                session_key=f"s{expire:%H%M}".ljust(32, "x"), session_data=data, expire_date=expire
            )
        )

    days = retention.audit_retention_days()
    for at, row in (
        (NOW - dt.timedelta(days=days) - EPS, expect.gone_row),
        (NOW - dt.timedelta(days=days) + EPS, expect.kept_row),
    ):
        row(AuditEntry.objects.create(at=at, action="test.old", object_key="x"))

    day_ago = NOW - dt.timedelta(days=1)
    for model in (AccessAttempt, AccessFailureLog):
        for at, row in ((day_ago - EPS, expect.gone_row), (day_ago + EPS, expect.kept_row)):
            attempt = model.objects.create(
                username="zfailed",
                ip_address="192.0.2.1",
                user_agent=f"agent {at:%M}",
                http_accept="x",
                path_info="/connexion/",
                **({"failures_since_start": 1} if model is AccessAttempt else {}),
            )
            row(_set(attempt, attempt_time=at))

    for token, at, row in (
        ("old", day_ago - EPS, expect.gone_row),
        ("new", day_ago + EPS, expect.kept_row),
    ):
        row(ImportJob.objects.create(owner=someone, kind="members", token=token, created_at=at))

    month_ago = NOW - dt.timedelta(days=retention.UNUSED_INVITATION_DAYS)
    invitations = [
        ({"expires_at": month_ago - EPS}, expect.gone_row),
        ({"expires_at": month_ago + EPS}, expect.kept_row),
        (
            {"expires_at": NOW + dt.timedelta(days=3), "revoked_at": month_ago - EPS},
            expect.gone_row,
        ),
        (
            {"expires_at": NOW + dt.timedelta(days=3), "revoked_at": month_ago + EPS},
            expect.kept_row,
        ),
        # Accepted long ago: the record of how an account was made stays.
        (
            {
                "expires_at": NOW - dt.timedelta(days=900),
                "accepted_at": NOW - dt.timedelta(days=905),
                "accepted_user": someone,
            },
            expect.kept_row,
        ),
    ]
    for number, (fields, row) in enumerate(invitations):
        row(
            Invitation.objects.create(
                email=f"invite-{number}@test.example",
                organisation=organisation,
                token_hash=f"{number}" * 64,
                **fields,
            )
        )

    registered = NOW - dt.timedelta(days=retention.ABANDONED_REGISTRATION_DAYS)
    registrations = [
        (
            "never-confirmed-old",
            {"status": MemberStatus.PENDING, "created_at": registered - EPS},
            expect.gone_row,
        ),
        (
            "never-confirmed-new",
            {"status": MemberStatus.PENDING, "created_at": registered + EPS},
            expect.kept_row,
        ),
        (
            "rejected-old",
            {"status": MemberStatus.REJECTED, "created_at": registered - EPS},
            expect.gone_row,
        ),
        (
            "rejected-new",
            {"status": MemberStatus.REJECTED, "created_at": registered + EPS},
            expect.kept_row,
        ),
        # Confirmed, awaiting a coordinator's approval: theirs to decide, however long ago.
        (
            "awaiting-approval",
            {
                "status": MemberStatus.PENDING,
                "created_at": registered - dt.timedelta(days=90),
                "email_confirmed_at": registered - dt.timedelta(days=90),
            },
            expect.kept_row,
        ),
    ]
    for username, fields, row in registrations:
        user = row(_user(username, organisation, **fields))
        row(user.member_profile)

    content_type = ContentType.objects.get_for_model(Organisation)
    for lifetime, model, field in (
        (retention.EDITING_SESSION_LIFETIME, EditingSession, "last_seen_at"),
        (retention.FORM_STATE_LIFETIME, FormState, "last_updated_at"),
    ):
        for at, row in (
            (NOW - lifetime - EPS, expect.gone_row),
            (NOW - lifetime + EPS, expect.kept_row),
        ):
            extra = {"data": "name=x"} if model is FormState else {}
            row(
                model.objects.create(
                    user=someone,
                    content_type=content_type,
                    object_id=str(organisation.pk),
                    **{field: at},
                    **extra,
                )
            )

    fortnight = NOW - dt.timedelta(days=14)
    for at, row in ((fortnight - EPS, expect.gone_row), (fortnight + EPS, expect.kept_row)):
        row(
            DBTaskResult.objects.create(
                status="SUCCESSFUL",
                finished_at=at,
                args_kwargs={"args": [], "kwargs": {}},
                task_path="network.tasks.import_job_task",
                queue_name="default",
                backend_name="default",
                run_after=at,
            )
        )

    log_days = retention.erasure_log_retention_days()
    for at, row in (
        (NOW - dt.timedelta(days=log_days) - EPS, expect.gone_row),
        (NOW - dt.timedelta(days=log_days) + EPS, expect.kept_row),
    ):
        row(
            ErasureLog.objects.create(
                subject="auth.user", key=f"{at:%M}".ljust(64, "0"), erased_at=at
            )
        )


# --- sessions and training ---------------------------------------------------------------------


def _sessions(expect: Expect, facilitator: User) -> None:
    a_year_ago = TODAY - relativedelta(years=1)
    expect.gone_row(
        Absence.objects.create(
            person=facilitator,
            start_date=a_year_ago - dt.timedelta(days=5),
            end_date=a_year_ago - dt.timedelta(days=1),
        )
    )
    expect.kept_row(
        Absence.objects.create(
            person=facilitator, start_date=a_year_ago - dt.timedelta(days=5), end_date=a_year_ago
        )
    )


def _enrol(expect: Expect, run, person, fate: str, evaluation_fate: str) -> Enrolment:
    enrolment = Enrolment.objects.create(
        run=run, person=person, status=EnrolmentStatus.COMPLETED, completed_at=run.ends_at
    )
    expect.row(fate, enrolment)
    attendance = Attendance.objects.create(
        enrolment=enrolment,
        session=run.series.sessions.get(),
        status=AttendanceStatus.PRESENT,
        hours=Decimal("2"),
    )
    expect.row(fate, attendance)
    evaluation = Evaluation.objects.create(
        enrolment=enrolment, relevance=5, clarity=4, trainers=5, organisation=3
    )
    expect.row(evaluation_fate, evaluation)
    return enrolment


def _training(expect: Expect, learner: User) -> list:
    module = lf.module(code="RET-001")
    ten_years = NOW - relativedelta(years=10)
    five_years = NOW - relativedelta(years=5)
    runs = []
    # A run's single session ends a minute before, or after, the limit (ten or five years).
    for end, fate, evaluation_fate in (
        (ten_years - EPS, "gone", "gone"),
        (ten_years + EPS, "kept", "gone"),
        (five_years - EPS, "kept", "gone"),
        (five_years + EPS, "kept", "kept"),
    ):
        start = end - dt.timedelta(minutes=120)
        run = lf.run(module, days=[start.date()], at=start.time(), duration_minutes=120)
        assert run.ends_at == end
        _set(run, seats_taken=1)
        _enrol(expect, run, learner, fate, evaluation_fate)
        runs.append(run)

    path = lf.path("Parcours de test", [(module, True)])
    other = lf.path("Autre parcours", [(module, True)])
    expect.gone_row(
        PathCompletion.objects.create(path=path, person=learner, completed_at=ten_years - EPS)
    )
    expect.kept_row(
        PathCompletion.objects.create(path=other, person=learner, completed_at=ten_years + EPS)
    )

    told = NOW - dt.timedelta(days=30)
    for number, (fields, row) in enumerate(
        [
            ({"notified_at": told - EPS}, expect.gone_row),
            ({"notified_at": told + EPS}, expect.kept_row),
            (
                {"notified_at": None, "created_at": NOW - dt.timedelta(days=2000)},
                expect.kept_row,
            ),  # still waiting
        ]
    ):
        row(
            Interest.objects.create(
                module=lf.module(code=f"RET-1{number}"), person=learner, **fields
            )
        )
    return runs


# --- support groups ----------------------------------------------------------------------------


def _child(alias: str) -> Participant:
    child = Participant.objects.create(
        alias=alias,
        birth_year=2020,
        referral_source=ReferralSource.SCHOOL,
        practical_needs="Allergie",
        commune=gf.commune("Esneux"),
    )
    Consent.objects.create(
        participant=child,
        guardian=Guardian.MOTHER,
        given_on=dt.date(2029, 9, 1),
        scope=ConsentScope.PARTICIPATION,
    )
    SafetyInstruction.objects.create(
        participant=child, kind=SafetyKind.NEVER_HAND_OVER, who="Le père"
    )
    return child


def _groups(expect: Expect) -> dict[str, Participant]:
    closed = NOW - relativedelta(months=12)
    children = {}
    for alias, closed_at, row in (
        ("Anouk", closed - EPS, expect.gone_row),
        ("Basile", closed + EPS, expect.kept_row),
    ):
        cycle = gf.cycle(gf.wednesdays(dt.date(2030, 3, 1), 3))
        children[alias] = child = _child(alias)
        membership = Membership.objects.create(
            cycle=cycle, participant=child, status=MembershipStatus.ADMITTED
        )
        for meeting in gf.meetings(cycle):
            MeetingAttendance.objects.create(
                membership=membership, session=meeting, status=MeetingAttendanceStatus.PRESENT
            )
        for model in (Consent, SafetyInstruction):
            for instance in model.objects.filter(participant=child):
                row(instance)
        expect.kept_row(child)  # the record stays, its identity goes
        expect.kept_row(membership)
        with time_machine.travel(closed_at, tick=False):
            cycle.status = CycleStatus.CLOSED
            cycle.save()
    return children


def _statistics(viewer) -> list:
    years = [statistics.SchoolYear(2029), statistics.SchoolYear(2030)]
    rows = [statistics.figures(viewer, year, now=NOW) for year in years]
    return [(row, statistics.totals(row)) for row in rows]


def _rows(labels) -> dict[str, set]:
    result = {}
    for entry in privacy.registered():
        result[entry.key] = set(entry.model._default_manager.values_list("pk", flat=True))
    return {label: result[label] for label in labels} if labels else result


@pytest.fixture
def world():
    """The rows of every retention rule, and what the database held before (data left by
    other tests, or the demo, is not the test's to judge)."""
    expect = Expect()
    expect.baseline = _rows(None)
    with time_machine.travel(NOW - dt.timedelta(hours=1), tick=False):
        roles.setup_roles()
        organisation = Organisation.objects.create(name="CPAS de test", kind="cpas")
        organisation.communes.add(gf.commune("Esneux"))
        coordination = User.objects.create_user(
            "coord-reseau", "coord@test.example", "a-long-password"
        )
        coordination.groups.add(Group.objects.get(name=roles.NETWORK_COORDINATION.name))
        MemberProfile.objects.create(user=coordination, organisation=organisation)
        _network(expect, organisation, coordination)
        _sessions(expect, coordination)
        runs = _training(expect, coordination)
        children = _groups(expect)
    return expect, coordination, runs, children


def test_run_due_jobs_purges_exactly_what_retention_says_and_keeps_the_statistics(world):
    expect, coordination, runs, children = world
    with time_machine.travel(NOW, tick=False):
        before = _rows(None)
        figures = _statistics(coordination)
        esneux = next(row for row in figures[0][0] if row.commune.name == "Esneux")
        assert esneux.admitted >= 2  # counts to keep, not zeros
        for label, pks in [*expect.gone.items(), *expect.kept.items()]:
            assert pks <= before[label], label  # the test made what it expects

        out = StringIO()
        call_command("run_due_jobs", stdout=out)

        after = _rows(None)
        assert _statistics(coordination) == figures
    mine = {label: before[label] - expect.baseline[label] for label in before}
    deleted = {label: mine[label] - after[label] for label in mine if mine[label] - after[label]}
    assert deleted == dict(expect.gone)
    for label, pks in expect.kept.items():
        assert pks <= after[label], label

    # The children's records stay, only the first one's identity is gone.
    assert Participant.objects.get(pk=children["Anouk"].pk).alias == PURGED_ALIAS
    assert Participant.objects.get(pk=children["Anouk"].pk).practical_needs == ""
    assert Participant.objects.get(pk=children["Basile"].pk).alias == "Basile"
    # A run keeps its anonymous count of seats taken when its enrolments go.
    assert [type(r).objects.get(pk=r.pk).seats_taken for r in runs] == [1, 1, 1, 1]
    # Each abandoned registration is erased as a privacy erasure is: audited, logged.
    assert AuditEntry.objects.filter(action="privacy.erase", origin="retention").count() == 2
    for job in ("retention.auth.user", "network.purge_audit_log", "groups.purge_identities"):
        assert f"enqueued {job}" in out.getvalue()


def test_purges_are_idempotent(world):
    with time_machine.travel(NOW, tick=False):
        call_command("run_due_jobs", stdout=StringIO())
        for entry in privacy.registry.automatic():
            assert privacy.registry.purge(entry.key, NOW) == 0, entry.key


def test_every_automatic_retention_is_a_due_job_and_its_statement_says_so():
    automatic = privacy.registry.automatic()
    assert len(automatic) >= 20
    with translation.override("en"):
        for entry in privacy.registered():
            statement = str(entry.retention)
            says_so = "due job" in statement
            assert says_so == bool(entry.purge_job), (entry.key, statement)
            if entry.purge_job:
                job = due_jobs.get(entry.purge_job)
                assert job is not None, entry.purge_job
                # "daily" at least; "hourly" or "every six hours" where the statement says so.
                assert job.interval <= dt.timedelta(days=1), entry.key
                if job.interval == dt.timedelta(hours=1):
                    assert "hourly" in statement, entry.key
                if job.interval == dt.timedelta(hours=6):
                    assert "six hours" in statement, entry.key


def test_retention_periods_in_statements_follow_the_settings(settings):
    settings.MAILLAGE_AUDIT_RETENTION_DAYS = 730
    settings.MAILLAGE_GROUPS_RETENTION_MONTHS = 18
    with translation.override("en"):
        audit_entry = privacy.registry.entry_for(AuditEntry)
        child_entry = privacy.registry.entry_for(Participant)
        assert "730 days" in str(audit_entry.retention)
        assert "18 months" in str(child_entry.retention)
