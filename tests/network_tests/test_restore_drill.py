"""Restore drill: a backup taken before an erasure is restored, `reapply_erasures` erases the
person again, and nothing of them is left. Also the erasure log's own guarantees: a key only,
written once the erasure is committed, a newer row with the same id is never erased."""

from __future__ import annotations

import copy
import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import Revision

from groups.models import Participant
from network import audit, privacy
from network.models import AuditEntry, ErasureLog, Invitation, MemberProfile
from network.privacy_services import erase_person, erasure_key

pytestmark = pytest.mark.django_db

User = get_user_model()
PERSON = "animateur"  # a facilitator: assignments, availability, attendance marks, swaps...


def _dump(path=None) -> str:
    """The whole database as `dumpdata` writes it (the portable stand-in for pg_dump)."""
    if path is not None:
        call_command("dumpdata", output=str(path), verbosity=0)
        return path.read_text()
    out = io.StringIO()
    call_command("dumpdata", stdout=out, verbosity=0)
    return out.getvalue()


def _restore(path) -> None:
    """Empty every table and load the backup, ids and all (as pg_restore --clean would)."""
    # Inside the test's transaction PostgreSQL still holds the deferred foreign-key checks of
    # the erasure, and refuses to TRUNCATE their tables: run them now.
    connection.check_constraints()
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    call_command("loaddata", str(path), verbosity=0)


def _needles(user) -> list[str]:
    # The username as a whole JSON value: "animateur" is also a word of the demo's texts.
    return [json.dumps(user.username), user.email, f"{user.first_name} {user.last_name}"]


def _leaks(text: str, needles: list[str]) -> list[str]:
    lowered = text.lower()
    return [
        needle
        for needle in needles
        if needle.lower() in lowered or json.dumps(needle)[1:-1].lower() in lowered
    ]


def _held(ghost) -> dict[str, list]:
    """What every registered model holds about the person: the rows about them where the
    registry can tell (`rows_about`), else what its export finds (a count of 0 is nothing)."""
    held = {}
    for entry in privacy.registered():
        if entry.rows_about is not None:
            rows = list(entry.rows_about(ghost).values_list("pk", flat=True))
        else:
            rows = [row for row in entry.export(ghost) if any(row.values())]
        if rows:
            held[entry.key] = rows
    return held


@pytest.fixture
def person(demo_data):
    """The demo facilitator, with traces in Wagtail's history, a session and an invitation."""
    user = User.objects.get(username=PERSON)
    profile = user.member_profile
    log(instance=profile, action="wagtail.edit", user=user)
    Revision.objects.create(
        content_type=ContentType.objects.get_for_model(MemberProfile),
        object_id=str(profile.pk),
        object_str=str(profile),
        content={"name": f"{user.first_name} {user.last_name}"},
    )
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session.create()
    Invitation.objects.create(
        email=user.email.upper(),
        first_name=user.first_name,
        last_name=user.last_name,
        organisation=profile.organisation,
        token_hash="d" * 64,
        expires_at=timezone.now() + timedelta(days=3),
        accepted_at=timezone.now(),
        accepted_user=user,
    )
    audit.record("member.edit", profile, origin="test")
    return user


def _counts() -> dict[str, int]:
    return {
        entry.key: entry.model._default_manager.count()
        for entry in privacy.registered()
        if entry.key != "maillage_network.auditentry"  # each run audits itself
    }


def test_restore_drill_leaves_no_trace_of_an_erased_person(
    person, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MAILLAGE_ERASURE_LOG_FILE = str(tmp_path / "erasures.jsonl")
    backup = tmp_path / "backup.json"
    ghost = copy.copy(person)
    needles = _needles(person)
    assert _leaks(_dump(backup), needles) == needles  # the backup holds them

    with django_capture_on_commit_callbacks(execute=True):
        call_command("privacy_erase", PERSON, "--yes", stdout=io.StringIO())
        child = Participant.objects.order_by("pk").first()
        child.delete()  # and a coordinator deleted a child's record (groups' admin)
    after_erasure = _held(ghost)
    entries = {entry.subject: entry for entry in ErasureLog.objects.all()}
    assert set(entries) == {"auth.user", "maillage_groups.participant"}
    lines = (tmp_path / "erasures.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"subject": e.subject, "key": e.key, "erased_at": e.erased_at.isoformat()}
        for e in entries.values()
    ]
    # Before a restore, the database's log can be exported too (the live file is the other copy).
    exported = tmp_path / "exported.jsonl"
    call_command("reapply_erasures", "--export", str(exported), stdout=io.StringIO())
    settings.MAILLAGE_ERASURE_LOG_FILE = ""

    _restore(backup)
    assert User.objects.filter(username=PERSON).exists()  # the backup brought them back
    assert Participant.objects.filter(code=child.code).exists()
    assert not ErasureLog.objects.exists()  # and the database's log with it: files are kept

    out = io.StringIO()
    call_command("reapply_erasures", "--log", str(exported), stdout=out)

    assert "2 erasures in the log (2 added to the database)" in out.getvalue()
    assert "auth.user: erased again 1" in out.getvalue()
    assert "maillage_groups.participant: erased again 1" in out.getvalue()
    assert not User.objects.filter(pk=ghost.pk).exists()
    assert not Participant.objects.filter(code=child.code).exists()
    assert _leaks(_dump(), needles) == []
    # The database holds about them what it held right after the erasure: the audit log's
    # pseudonymous entries only (kept by design), nothing any other model exports.
    assert set(_held(ghost)) == set(after_erasure) == {"maillage_network.auditentry"}
    for field in privacy.user_pointers():
        assert not field.model._default_manager.filter(**{field.attname: ghost.pk}).exists()
    assert set(ErasureLog.objects.values_list("key", flat=True)) == {
        e.key for e in entries.values()
    }  # the log is whole again
    assert AuditEntry.objects.filter(action="privacy.erase", origin="restore").count() == 1
    assert AuditEntry.objects.filter(action="privacy.reapply_erasure").count() == 2

    # Idempotent: a second run finds nobody and changes nothing.
    before = _counts()
    out = io.StringIO()
    call_command("reapply_erasures", "--log", str(exported), stdout=out)
    assert "nothing to erase again" in out.getvalue()
    assert _counts() == before


def test_the_log_holds_a_key_and_a_date_never_a_name(demo_data):
    person = User.objects.get(username="professionnelle")
    needles = _needles(person)
    erase_person(person)
    entry = ErasureLog.objects.get()
    assert entry.subject == "auth.user"
    assert len(entry.key) == 64 and entry.key != audit.user_key(person)
    assert _leaks(json.dumps(list(ErasureLog.objects.values()), default=str), needles) == []
    assert str(person.pk) not in entry.key.split(":")


def test_a_rolled_back_erasure_is_not_written_to_the_file(
    demo_data, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MAILLAGE_ERASURE_LOG_FILE = str(tmp_path / "erasures.jsonl")
    person = User.objects.get(username="professionnelle")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        erase_person(person)
    assert len(callbacks) == 1  # the append waits for the commit
    assert not (tmp_path / "erasures.jsonl").exists()


def test_a_newer_row_with_the_same_id_is_not_erased(demo_data):
    """After a restore, ids are handed out again: the key also holds a value set at creation."""
    person = User.objects.get(username="professionnelle")
    child = Participant.objects.order_by("pk").first()
    # Erasures of rows that had the same ids but were made at another time (another code).
    ErasureLog.objects.create(
        subject="auth.user",
        key=erasure_key("auth.user", person.pk, str(int(person.date_joined.timestamp()) - 60)),
    )
    ErasureLog.objects.create(
        subject="maillage_groups.participant",
        key=erasure_key("maillage_groups.participant", child.pk, "XXXX-0000"),
    )
    out = io.StringIO()
    call_command("reapply_erasures", stdout=out)
    assert "nothing to erase again" in out.getvalue()
    assert User.objects.filter(pk=person.pk).exists()
    assert Participant.objects.filter(pk=child.pk).exists()


def test_keys_logged_before_the_secret_changed_are_still_found(demo_data, settings):
    person = User.objects.get(username="professionnelle")
    old_secret = settings.SECRET_KEY
    ErasureLog.objects.create(
        subject="auth.user",
        key=erasure_key(
            "auth.user", person.pk, str(int(person.date_joined.timestamp())), old_secret
        ),
    )
    settings.SECRET_KEY = "a-new-secret-key-for-the-test-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_secret]

    call_command("reapply_erasures", "--dry-run", stdout=io.StringIO())
    assert User.objects.filter(pk=person.pk).exists()  # a dry run changes nothing
    call_command("reapply_erasures", stdout=io.StringIO())
    assert not User.objects.filter(pk=person.pk).exists()


def test_a_bad_log_file_is_refused_with_its_line(db, tmp_path):
    bad = tmp_path / "erasures.jsonl"
    bad.write_text(
        '{"subject": "auth.user", "key": "k", "erased_at": "2030-01-01T00:00:00+00:00"}\nnope\n'
    )
    with pytest.raises(CommandError, match="line 2"):
        call_command("reapply_erasures", "--log", str(bad), stdout=io.StringIO())
    with pytest.raises(CommandError, match="no such file"):
        call_command("reapply_erasures", "--log", str(tmp_path / "missing"), stdout=io.StringIO())
