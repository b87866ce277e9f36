"""Where the import wizard keeps an upload between its steps, and the background imports.

Uploads are kept in the private storage under `imports/<user id>/<random token>`, with a
small `.json` of metadata and, once checked, the dry run's report (`.report.json`): the owner
is in the path, so another user's token is a 404. They are deleted after a confirmed import
and, in any case, within an hour (`delete_old_uploads`, a due job; an expired one is refused
when read).

A file with more rows than `MAILLAGE_IMPORT_BACKGROUND_ROWS` is checked and imported by
`network.tasks.import_job_task` (the worker) rather than in the request: `start_job()` records
an `ImportJob` whose progress the wizard polls.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import NotAllowed
from .imports import ImportKind, ImportReport, get_kind, run_import
from .models import ImportJob, ImportJobStatus
from .tabular import Table, TableError, read_table

logger = logging.getLogger(__name__)

UPLOADS_DIR = "imports"
# The due job runs every 15 minutes: files older than 45 minutes go, so none lives an hour.
UPLOAD_LIFETIME = timedelta(minutes=45)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def upload_storage() -> Storage:
    """The private storage only: an upload is personal data, never under MEDIA."""
    return storages["private"]


def background_rows() -> int:
    """Files with more rows than this are checked and imported by the worker."""
    return int(getattr(settings, "MAILLAGE_IMPORT_BACKGROUND_ROWS", 2000))


@dataclass
class Upload:
    """A file someone uploaded for an import, waiting for their confirmation."""

    owner_id: int
    token: str
    kind: str
    filename: str
    sheet: str
    uploaded_at: str

    @property
    def path(self) -> str:
        return f"{UPLOADS_DIR}/{self.owner_id}/{self.token}"

    @property
    def report_path(self) -> str:
        return f"{self.path}.report.json"

    def read(self) -> bytes:
        with upload_storage().open(self.path, "rb") as handle:
            return handle.read()

    def table(self) -> Table:
        return read_table(self.read(), self.filename, sheet=self.sheet or None)

    def save_report(self, report: ImportReport) -> None:
        storage = upload_storage()
        if storage.exists(self.report_path):
            storage.delete(self.report_path)
        storage.save(self.report_path, ContentFile(json.dumps(report.to_dict()).encode()))

    def report(self) -> ImportReport | None:
        """The last dry run's report, if it was kept."""
        storage = upload_storage()
        if not storage.exists(self.report_path):
            return None
        with storage.open(self.report_path, "rb") as handle:
            return ImportReport.from_dict(json.loads(handle.read()))

    def delete(self) -> None:
        storage = upload_storage()
        for name in (self.path, f"{self.path}.json", self.report_path):
            if storage.exists(name):
                storage.delete(name)


def save_upload(user, kind: ImportKind, data: bytes, filename: str, sheet: str) -> Upload:
    upload = Upload(
        owner_id=user.pk,
        token=secrets.token_urlsafe(24),  # 32 characters, 192 random bits
        kind=kind.key,
        # Only the extension matters to read_table; the name itself may be personal.
        filename="upload.xlsx" if filename.lower().endswith(".xlsx") else "upload.csv",
        sheet=sheet,
        uploaded_at=timezone.now().isoformat(),
    )
    storage = upload_storage()
    storage.save(upload.path, ContentFile(data))
    meta = {"kind": upload.kind, "filename": upload.filename, "sheet": sheet}
    meta["uploaded_at"] = upload.uploaded_at
    storage.save(f"{upload.path}.json", ContentFile(json.dumps(meta).encode()))
    return upload


def load_upload(owner_id: int, token: str, kind: ImportKind) -> Upload:
    """The owner's own upload for this kind, else 404 (someone else's token included)."""
    if not _TOKEN.match(token):
        raise Http404
    storage = upload_storage()
    base = f"{UPLOADS_DIR}/{owner_id}/{token}"
    if not (storage.exists(base) and storage.exists(f"{base}.json")):
        raise Http404
    with storage.open(f"{base}.json", "rb") as handle:
        meta = json.loads(handle.read())
    if meta.get("kind") != kind.key:
        raise Http404
    uploaded_at = datetime.fromisoformat(meta.get("uploaded_at") or "2000-01-01T00:00:00+00:00")
    upload = Upload(
        owner_id=owner_id,
        token=token,
        kind=meta["kind"],
        filename=meta.get("filename", "upload.csv"),
        sheet=meta.get("sheet", ""),
        uploaded_at=meta.get("uploaded_at", ""),
    )
    if uploaded_at < timezone.now() - UPLOAD_LIFETIME:
        upload.delete()  # expired even if the due job has not run yet
        raise Http404
    return upload


def delete_old_uploads(now: datetime | None = None) -> int:
    """Delete every upload file older than UPLOAD_LIFETIME; return how many files went (the
    job rows have their own retention: network.retention.delete_old_import_jobs)."""
    now = now or timezone.now()
    storage = upload_storage()
    cutoff = now - UPLOAD_LIFETIME
    if not storage.exists(UPLOADS_DIR):
        return 0
    deleted = 0
    owners, _files = storage.listdir(UPLOADS_DIR)
    for owner in owners:
        folder = f"{UPLOADS_DIR}/{owner}"
        for name in storage.listdir(folder)[1]:
            file_path = f"{folder}/{name}"
            if storage.get_modified_time(file_path) < cutoff:
                storage.delete(file_path)
                deleted += 1
    return deleted


# --- background jobs -----------------------------------------------------------------------


def active_job(owner_id: int, token: str) -> ImportJob | None:
    """The upload's latest job (running or finished), if any."""
    return ImportJob.objects.filter(owner_id=owner_id, token=token).order_by("-pk").first()


def claim_job(user, upload: Upload, *, dry_run: bool, total: int) -> tuple[ImportJob, bool]:
    """Record a running step of this upload, or return the one already queued or running
    (a double click, another tab): (job, True when it is ours). A job its worker never
    finished within the upload's lifetime is marked failed first."""
    ImportJob.objects.filter(
        owner_id=user.pk,
        token=upload.token,
        status__in=[ImportJobStatus.QUEUED, ImportJobStatus.RUNNING],
        created_at__lt=timezone.now() - UPLOAD_LIFETIME,
    ).update(
        status=ImportJobStatus.FAILED,
        finished_at=timezone.now(),
        message=_("The background worker did not run this import in time: upload the file again."),
    )
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                owner=user, kind=upload.kind, token=upload.token, dry_run=dry_run, total=total
            )
    except IntegrityError:
        running = ImportJob.objects.get(
            owner_id=user.pk,
            token=upload.token,
            dry_run=dry_run,
            status__in=[ImportJobStatus.QUEUED, ImportJobStatus.RUNNING],
        )
        return running, False
    return job, True


def start_job(user, upload: Upload, *, dry_run: bool, total: int) -> ImportJob:
    """Record a job and hand it to the worker; a job already queued or running for the same
    upload and step is returned instead of a second one (a double click)."""
    from .tasks import import_job_task

    job, ours = claim_job(user, upload, dry_run=dry_run, total=total)
    if ours:
        transaction.on_commit(lambda: import_job_task.enqueue(job.pk))
    return job


def finish_job(job: ImportJob, report: ImportReport | None, message: str = "") -> None:
    job.finished_at = timezone.now()
    job.message = message[:500]
    if report is not None:
        job.new, job.changed = report.new, report.changed
        job.unchanged, job.errors = report.unchanged, report.errors
        job.written = report.written
        job.format, job.encoding, job.delimiter = report.format, report.encoding, report.delimiter
        job.unknown_columns = report.unknown_columns
        job.done = len(report.rows)
        if report.general_errors and not message:
            job.message = " ".join(report.general_errors)[:500]
    job.status = ImportJobStatus.FAILED if job.message else ImportJobStatus.DONE
    job.save()


def run_job(job_id: int) -> ImportJob | None:
    """Run a queued job (the worker's side): check or import the upload, save the progress
    as it goes and the report at the end. Running it again after it finished does nothing."""
    updated = ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.QUEUED).update(
        status=ImportJobStatus.RUNNING
    )
    job = ImportJob.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or not updated:
        return job
    try:
        kind = get_kind(job.kind)
        upload = load_upload(job.owner_id, job.token, kind)
        table = upload.table()
    except (Http404, TableError) as error:
        message = getattr(error, "message", "") or _(
            "The uploaded file is no longer available (files are kept an hour): upload it again."
        )
        finish_job(job, None, str(message))
        return job

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        report = run_import(
            kind, table, job.owner, dry_run=job.dry_run, origin="admin", progress=progress
        )
    except (TableError, NotAllowed) as error:
        finish_job(job, None, str(getattr(error, "message", error)))
        return job
    except Exception as error:
        # Never the rows in the log (an exception's text may quote a cell): the job and the
        # kind of error only.
        logger.error("Import job %s failed: %s", job.pk, type(error).__name__)  # noqa: TRY400
        finish_job(job, None, _("The import failed unexpectedly; nothing was written."))
        return job
    if report.written:
        upload.delete()  # imported: the file (and its preview) is not kept
    else:
        upload.save_report(report)
    finish_job(job, report)
    return job
