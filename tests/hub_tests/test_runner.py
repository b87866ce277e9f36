"""`make run`: web server, task worker and due-jobs loop together; Ctrl-C stops all three."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from network.tasks import clear_expired_sessions_task

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    # serialized_rollback: the flush after the test must not take the migrations’ pages away.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    """The URL of the test database, so that `make run` works on what this test sees."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or ""
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{settings['NAME']}"


def _wait_for(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}; make run said:\n{log.read_text()[-4000:]}")


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except OSError:
        return None


def test_make_run_serves_the_site_and_its_worker_processes_queued_tasks(tmp_path, migrated_data):
    if connection.vendor == "sqlite":
        # Let the child processes see this test's writes at once.
        connection.close()
    port = _free_port()
    log = tmp_path / "make-run.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "MAKEFLAGS", "MAKELEVEL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hub.settings.dev",
        DATABASE_URL=_database_url(),
        PORT=str(port),
        DUE_JOBS_INTERVAL="1",
        RUN_ARGS="--noreload",
        PYTHONUNBUFFERED="1",
    )
    with log.open("w") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, so that we can "press Ctrl-C" on it
        )
    try:
        # The web server answers, in French, with the demo data that `make run` loaded.
        status, html = _wait_for(
            lambda: _get(f"http://127.0.0.1:{port}/"), 120, "the web server", log
        )
        assert status == 200
        assert '<html lang="fr">' in html
        assert "Chaudfontaine" in html
        assert "coordination" in log.read_text()  # the demo accounts are printed

        # The due-jobs loop enqueued the registered jobs and the worker ran them.
        def due_jobs_done():
            done = set(
                DBTaskResult.objects.filter(status="SUCCESSFUL").values_list("task_path", flat=True)
            )
            return {
                "hub.tasks.prune_task_results_task",
                "network.tasks.clear_expired_sessions_task",
            } <= done

        _wait_for(due_jobs_done, 60, "the due jobs to run", log)

        # A task queued now, by anyone, is processed too.
        Session.objects.create(
            session_key="e" * 32,
            session_data="",
            expire_date=timezone.now() - timezone.timedelta(days=1),
        )
        backend = DatabaseBackend("default", {})
        result = backend.enqueue(clear_expired_sessions_task, (), {})
        _wait_for(
            lambda: DBTaskResult.objects.filter(id=result.id, status="SUCCESSFUL").exists(),
            60,
            "the queued task",
            log,
        )
        assert not Session.objects.filter(session_key="e" * 32).exists()

        pids = dict(re.findall(r"(web|worker)=(\d+)", log.read_text()))
        assert set(pids) == {"web", "worker"}
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise

    # Ctrl-C stopped all three.
    assert "[maillage] stopped." in log.read_text()
    for pid in pids.values():
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)
    assert _get(f"http://127.0.0.1:{port}/") is None
