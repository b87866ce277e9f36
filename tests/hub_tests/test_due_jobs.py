"""`run_due_jobs`: enqueues what is due, once per interval, whatever the number of calls."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_tasks import task

from hub.models import DueJobRun
from network.registries import DueJob, due_jobs

pytestmark = pytest.mark.django_db

calls: list[str] = []


@task()
def record_call_task() -> None:
    calls.append("ran")


@pytest.fixture
def test_job():
    calls.clear()
    job = DueJob(
        key="tests.record_call",
        description="test",
        interval=timedelta(minutes=30),
        task=record_call_task,
    )
    due_jobs.register(job)
    yield job
    due_jobs.unregister(job.key)


def _run() -> str:
    out = StringIO()
    call_command("run_due_jobs", stdout=out)
    return out.getvalue()


def test_apps_register_their_due_jobs():
    keys = {job.key for job in due_jobs}
    assert {"network.clear_expired_sessions", "hub.prune_task_results"} <= keys


def test_job_runs_once_per_interval(test_job):
    with time_machine.travel("2026-11-26 09:00 +01:00", tick=False):
        assert "enqueued tests.record_call" in _run()
        assert "tests.record_call" not in _run()
    with time_machine.travel("2026-11-26 09:29 +01:00", tick=False):
        _run()
    assert calls == ["ran"]
    with time_machine.travel("2026-11-26 09:31 +01:00", tick=False):
        assert "enqueued tests.record_call" in _run()
    assert calls == ["ran", "ran"]
    assert DueJobRun.objects.get(key="tests.record_call").last_enqueued_at == timezone.make_aware(
        timezone.datetime(2026, 11, 26, 9, 31)
    )


def test_clear_expired_sessions_job_deletes_only_expired_sessions(client, demo_data):
    client.login(username="professionnelle", password="demo-maillage")
    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(days=1)
    )
    assert Session.objects.count() == 2
    _run()
    assert list(Session.objects.values_list("session_key", flat=True)) == [
        client.session.session_key
    ]
