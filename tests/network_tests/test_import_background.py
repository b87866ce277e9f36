"""Large files in the import wizard: checked and imported by the worker, followed by a
progress bar; the preview pages its rows and filters them by status."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model

from network import import_jobs, retention
from network.models import AuditEntry, ImportJob, ImportJobStatus, MemberProfile
from network.tabular import read_table
from tests.network_tests.test_import_wizard import (  # noqa: F401 (the fixture clears uploads)
    _count,
    _csv,
    _esneux,
    _no_uploads_left,
    _stored,
    _upload,
    _urls,
)

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture(autouse=True)
def _small_background_threshold(settings):
    settings.MAILLAGE_IMPORT_BACKGROUND_ROWS = 3


def _progress_token(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.search(r"/admin/importer/members/([\w-]+)/suivi/$", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def _rows(first: int, count: int) -> list[str]:
    return [_esneux(i) for i in range(first, first + count)]


def test_a_large_file_is_checked_then_imported_in_the_background(
    signed_in, demo_data, django_capture_on_commit_callbacks
):
    client = signed_in("coordination")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        token = _progress_token(_upload(client, _csv(*_rows(100, 5))))
    assert len(callbacks) == 1  # one job queued for the worker
    urls = _urls(token)
    job = ImportJob.objects.get(token=token)
    assert (job.status, job.dry_run, job.total, job.done, job.new) == ("done", True, 5, 5, 5)

    status = client.get(urls["status"])
    assert status["Cache-Control"] == "no-store"
    payload = status.json()
    assert payload["finished"] and payload["percent"] == 100
    assert payload["next_url"] == urls["preview"]
    # The progress page of a finished check goes on to the preview, kept from the worker's run.
    assert client.get(urls["progress"])["Location"] == urls["preview"]
    html = client.get(urls["preview"]).content.decode()
    assert [_count(html, s) for s in ("new", "changed", "unchanged", "error")] == [5, 0, 0, 0]
    assert not MemberProfile.objects.filter(user__email__startswith="wizard").exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(urls["confirm"])["Location"] == urls["progress"]
    real = ImportJob.objects.filter(token=token, dry_run=False).get()
    assert (real.status, real.written, real.new) == ("done", True, 5)
    assert MemberProfile.objects.filter(user__email__startswith="wizard").count() == 5
    assert AuditEntry.objects.filter(action="import.members").count() == 1
    page = client.get(urls["progress"])
    text = page.content.decode()
    assert page.status_code == 200 and 'data-finished="true"' in text
    assert 'data-count="new">5<' in text
    assert _stored(User.objects.get(username="coordination")) == []  # file deleted


def test_while_the_worker_has_not_run_every_step_waits_on_the_progress_page(signed_in, demo_data):
    client = signed_in("coordination")
    token = _progress_token(_upload(client, _csv(*_rows(200, 4))))  # no commit: not run
    urls = _urls(token)
    page = client.get(urls["progress"])
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-finished="false"' in text and "network/js/progress.js" in text
    assert 'role="status"' in text and "<progress" in text
    payload = client.get(urls["status"]).json()
    assert (payload["finished"], payload["percent"], payload["next_url"]) == (False, 0, "")
    assert client.get(urls["preview"])["Location"] == urls["progress"]
    assert client.post(urls["confirm"])["Location"] == urls["progress"]
    assert ImportJob.objects.filter(token=token).count() == 1  # no second job
    assert not User.objects.filter(email__startswith="wizard").exists()


def test_progress_is_saved_as_rows_are_checked(signed_in, demo_data):
    client = signed_in("coordination")
    token = _progress_token(_upload(client, _csv(*_rows(300, 4))))
    job = ImportJob.objects.get(token=token)
    seen: list[tuple[int, int]] = []
    original = import_jobs.run_import

    def spying(*args, progress, **kwargs):
        def record(done, total):
            progress(done, total)
            seen.append((ImportJob.objects.get(pk=job.pk).done, total))

        return original(*args, progress=record, **kwargs)

    import_jobs.run_import = spying
    try:
        import_jobs.run_job(job.pk)
    finally:
        import_jobs.run_import = original
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    # Running a finished job again does nothing.
    assert import_jobs.run_job(job.pk).status == ImportJobStatus.DONE
    assert ImportJob.objects.get(pk=job.pk).finished_at is not None


def test_errors_found_in_the_background_are_shown_and_downloadable(
    signed_in, demo_data, django_capture_on_commit_callbacks
):
    client = signed_in("coord-esneux")
    aywaille = "Autre;Commune;wizard-ay@cpas-aywaille.example;CPAS d'Aywaille;Aywaille;;"
    with django_capture_on_commit_callbacks(execute=True):
        token = _progress_token(_upload(client, _csv(*_rows(400, 3), aywaille)))
    urls = _urls(token)
    html = client.get(urls["preview"]).content.decode()
    assert _count(html, "error") == 1 and urls["confirm"] not in html
    failed = client.get(urls["failed_rows"]).content.decode("utf-8-sig").splitlines()
    assert len(failed) == 2 and "wizard-ay@cpas-aywaille.example" in failed[1]


def test_a_job_whose_upload_expired_fails_with_a_message(signed_in, demo_data):
    client = signed_in("coordination")
    token = _progress_token(_upload(client, _csv(*_rows(500, 4))))
    job = ImportJob.objects.get(token=token)
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=50)):
        import_jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED and "envoyez-le à nouveau" in job.message
    payload = client.get(_urls(token)["status"]).json()
    assert payload["finished"] and payload["summary"] == job.message


def test_someone_else_cannot_follow_a_job(signed_in, client, demo_data):
    token = _progress_token(_upload(signed_in("coordination"), _csv(*_rows(600, 4))))
    other = signed_in("coord-esneux")  # may import members, but it is not their upload
    for name in ("progress", "status"):
        assert other.get(_urls(token)[name]).status_code == 404
    assert signed_in("professionnelle").get(_urls(token)["status"]).status_code == 403


def test_old_jobs_go_with_the_due_job(signed_in, demo_data):
    client = signed_in("coordination")
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) - dt.timedelta(days=2), tick=False):
        _progress_token(_upload(client, _csv(*_rows(700, 4))))
    _progress_token(_upload(client, _csv(*_rows(710, 4))))
    assert ImportJob.objects.count() == 2
    retention.delete_old_import_jobs(dt.datetime.now(tz=dt.UTC))
    assert ImportJob.objects.count() == 1


def test_the_preview_pages_rows_and_filters_them_by_status(
    signed_in, demo_data, settings, monkeypatch
):
    settings.MAILLAGE_IMPORT_BACKGROUND_ROWS = 1000
    monkeypatch.setattr("network.import_views.ROWS_PER_PAGE", 10)
    client = signed_in("coord-esneux")
    aywaille = "Autre;Commune;wizard-ay@cpas-aywaille.example;CPAS d'Aywaille;Aywaille;;"
    lines = [*_rows(800, 12), aywaille, *_rows(812, 12)]
    response = _upload(client, _csv(*lines))
    token = re.search(r"/members/([\w-]+)/$", response["Location"]).group(1)
    preview = _urls(token)["preview"]
    first = client.get(preview).content.decode()
    assert first.count('class="import-row ') == 10
    assert 'class="pagination"' in first and "?statut=error" in first
    last = client.get(preview + "?p=3").content.decode()
    assert last.count('class="import-row ') == 5
    errors = client.get(preview + "?statut=error").content.decode()
    assert errors.count('class="import-row ') == 1
    assert 'import-row--error" data-line="14"' in errors


def test_the_status_view_runs_a_fixed_number_of_queries(
    signed_in, demo_data, django_assert_max_num_queries
):
    client = signed_in("coordination")
    token = _progress_token(_upload(client, _csv(*_rows(900, 4))))
    with django_assert_max_num_queries(8):
        assert client.get(_urls(token)["status"]).status_code == 200


def test_a_report_survives_its_round_trip_through_json(demo_data):
    from network.imports import ImportReport, run_import

    table = read_table(_csv(*_rows(950, 2), ";;bad;;;;"), "m.csv")
    report = run_import("members", table, None, dry_run=True)
    again = ImportReport.from_dict(report.to_dict())
    assert again.counts == report.counts and again.headers == report.headers
    assert [(r.line, r.status, r.values, r.errors) for r in again.rows] == [
        (r.line, r.status, r.values, r.errors) for r in report.rows
    ]
    assert again.failed_rows_csv() == report.failed_rows_csv()


def test_a_double_confirm_of_a_small_file_imports_it_once(signed_in, demo_data, settings):
    settings.MAILLAGE_IMPORT_BACKGROUND_ROWS = 1000
    client = signed_in("coordination")
    response = _upload(client, _csv(*_rows(1000, 2)))
    token = re.search(r"/members/([\w-]+)/$", response["Location"]).group(1)
    upload = import_jobs.load_upload(
        User.objects.get(username="coordination").pk, token, import_jobs.get_kind("members")
    )
    # Another tab's confirm is running: this one is sent to its progress, nothing is written.
    other, ours = import_jobs.claim_job(
        User.objects.get(username="coordination"), upload, dry_run=False, total=2
    )
    assert ours
    assert client.post(_urls(token)["confirm"])["Location"] == _urls(token)["progress"]
    assert ImportJob.objects.filter(token=token, dry_run=False).count() == 1
    assert not User.objects.filter(email__startswith="wizard").exists()
    # Once it is over, a confirm imports (and records its own step).
    import_jobs.finish_job(other, None, "stopped")
    assert client.post(_urls(token)["confirm"]).status_code == 200
    assert User.objects.filter(email__startswith="wizard").count() == 2


def test_a_job_the_worker_never_ran_is_given_up_after_the_uploads_lifetime(signed_in, demo_data):
    client = signed_in("coordination")
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=50)):
        token = _progress_token(_upload(client, _csv(*_rows(1100, 4))))
    stale = ImportJob.objects.get(token=token)
    upload = import_jobs.Upload(stale.owner_id, token, "members", "upload.csv", "", "")
    job, ours = import_jobs.claim_job(stale.owner, upload, dry_run=True, total=4)
    stale.refresh_from_db()
    assert ours and job.pk != stale.pk and stale.status == ImportJobStatus.FAILED
