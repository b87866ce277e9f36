"""The admin import wizard: upload a file, see the dry run row by row, confirm (or download
the failed rows), for any kind registered in `network.registries.import_kinds`.

The engine (`network.imports.run_import`) validates and writes; `network.import_jobs` keeps
the upload and its dry-run report between the steps and runs large files in the background.
These views only check who may act at every step and show the report or the progress.

The URLs are mounted by hub/urls.py in front of Wagtail's admin: Wagtail's own access check
redirects anyone without admin access, whereas the wizard answers 403 to every signed-in user
who may not import (`admin_view`).
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.auth import reject_request
from wagtail.admin.localization import get_localized_response
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import LogContext

from . import exports, registries
from .import_jobs import (
    Upload,
    active_job,
    background_rows,
    claim_job,
    delete_old_uploads,
    finish_job,
    load_upload,
    save_upload,
    start_job,
)
from .imports import ERROR, ImportKind, ImportReport, check_columns, may_import, run_import
from .models import ImportJob, ImportJobStatus
from .tabular import TableError, max_bytes, read_table

__all__ = ["delete_old_uploads", "get_urls", "import_buttons"]

ENCODINGS = {
    "cp1252": _("Windows-1252"),
    "utf-8": _("UTF-8"),
    "utf-8-sig": _("UTF-8 with BOM"),
}
DELIMITERS = {";": _("semicolon (;)"), ",": _("comma (,)"), "\t": _("tab")}
ROWS_PER_PAGE = 100


# --- access -------------------------------------------------------------------------------


def get_kind_or_404(key: str) -> ImportKind:
    kind = registries.import_kinds.get(key)
    if kind is None:
        raise Http404
    return kind


def admin_view(view):
    """Wagtail's admin check, but a plain 403 (not a redirect) for a signed-in user who may
    not import this kind; an anonymous visitor is sent to the admin's sign-in page."""

    @wraps(view)
    def wrapped(request: HttpRequest, kind: str, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_anonymous:
            return reject_request(request)
        found = get_kind_or_404(kind)
        if not (
            user.is_active
            and user.has_perm("wagtailadmin.access_admin")
            and may_import(user, found)
        ):
            return exports.forbidden(request)
        with LogContext(user=user):
            return get_localized_response(view, request, found, **kwargs)

    return wrapped


def import_buttons(request: HttpRequest, *keys: str) -> list[HeaderButton]:
    """The "Import" header buttons of a listing, one per kind the user may import."""
    buttons = []
    for key in keys:
        kind = registries.import_kinds.get(key)
        if kind is not None and may_import(request.user, kind):
            label = _("Import") if len(keys) == 1 else kind.label
            buttons.append(
                HeaderButton(
                    label, url=reverse("network_import:upload", args=[key]), icon_name="upload"
                )
            )
    return buttons


# --- views --------------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    sheet = forms.CharField(
        label=_("Sheet (XLSX only)"),
        required=False,
        max_length=100,
        help_text=_("Leave empty to read the first sheet."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refused on its announced size, before a byte of it is read.
        if upload.size > max_bytes():
            raise forms.ValidationError(
                _("The file is too large: at most %(size)s.")
                % {"size": filesizeformat(max_bytes())}
            )
        return upload


def _context(request: HttpRequest, kind: ImportKind, **extra: Any) -> dict[str, Any]:
    title = _("Import: %(kind)s") % {"kind": kind.label}
    return {
        "kind": kind,
        "page_title": title,
        "header_title": title,
        "header_icon": "upload",
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": "", "label": title},
        ],
        "upload_url": reverse("network_import:upload", args=[kind.key]),
        **extra,
    }


def _status_label(status: str) -> str:
    return {
        "new": gettext("new"),
        "changed": gettext("changed"),
        "unchanged": gettext("unchanged"),
        ERROR: gettext("error"),
    }.get(status, status)


def _report_context(
    request: HttpRequest, report: ImportReport | ImportJob, *, rows: bool = True
) -> dict[str, Any]:
    """The counts and file facts; with `rows`, one page of rows (optionally of one status)."""
    context: dict[str, Any] = {
        "report": report,
        "encoding_label": ENCODINGS.get(report.encoding, report.encoding),
        "delimiter_label": DELIMITERS.get(report.delimiter, report.delimiter),
    }
    if not rows or not isinstance(report, ImportReport):
        return context
    wanted = request.GET.get("statut", "")
    if wanted not in ("new", "changed", "unchanged", ERROR):
        wanted = ""
    shown = [row for row in report.rows if not wanted or row.status == wanted]
    page = Paginator(shown, ROWS_PER_PAGE).get_page(request.GET.get("p"))
    context |= {
        "status_filter": wanted,
        "status_filters": [
            ("", gettext("All rows"), len(report.rows)),
            *[
                (status, _status_label(status), count)
                for status, count in report.counts.items()
                if count
            ],
        ],
        "items": page,
        "elided_page_range": page.paginator.get_elided_page_range(page.number),
        "rows": [
            {
                "line": row.line,
                "status": row.status,
                "cells": [row.values.get(header, "") for header in report.headers],
                "errors": row.errors,
            }
            for row in page.object_list
        ],
    }
    return context


def _upload_page(request: HttpRequest, kind: ImportKind, form: UploadForm, **extra: Any):
    return TemplateResponse(
        request,
        "network/admin/import_upload.html",
        _context(request, kind, form=form, max_size=filesizeformat(max_bytes()), **extra),
        status=400 if form.errors or extra.get("file_error") else 200,
    )


@admin_view
def upload_view(request: HttpRequest, kind: ImportKind) -> HttpResponse:
    """Step 1: the file, checked as a file (format, size, columns) before it is kept; then its
    dry run, at once for a small file, by the worker for a large one."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        filename = form.cleaned_data["file"].name or ""
        sheet = form.cleaned_data["sheet"].strip()
        try:
            table = read_table(data, filename, sheet=sheet or None)
            check_columns(kind, table)  # a missing column is said on this page
        except TableError as error:
            form.add_error("file", error.message)
        else:
            upload = save_upload(request.user, kind, data, filename, sheet)
            if len(table.rows) > background_rows():
                start_job(request.user, upload, dry_run=True, total=len(table.rows))
                return redirect("network_import:progress", kind=kind.key, upload=upload.token)
            report = run_import(kind, table, request.user, dry_run=True)
            upload.save_report(report)
            return redirect("network_import:preview", kind=kind.key, upload=upload.token)
    return _upload_page(request, kind, form)


def _stored_report(request: HttpRequest, kind: ImportKind, upload: Upload) -> ImportReport | str:
    """The kept dry-run report of the upload, else a new dry run (or why the file fails)."""
    report = upload.report()
    if report is not None:
        return report
    try:
        report = run_import(kind, upload.table(), request.user, dry_run=True)
    except TableError as error:
        return str(error.message)
    upload.save_report(report)
    return report


def _preview_response(
    request: HttpRequest, kind: ImportKind, upload: Upload, report: ImportReport | str
) -> HttpResponse:
    if isinstance(report, str):
        upload.delete()
        return _upload_page(request, kind, UploadForm(), file_error=report)
    return TemplateResponse(
        request,
        "network/admin/import_preview.html",
        _context(request, kind, upload=upload, **_report_context(request, report)),
    )


def _running(request: HttpRequest, kind: ImportKind, upload: Upload) -> HttpResponse | None:
    """Send the user to the progress page while a job of this upload is unfinished."""
    job = active_job(request.user.pk, upload.token)
    if job is not None and not job.finished:
        return redirect("network_import:progress", kind=kind.key, upload=upload.token)
    return None


@admin_view
def preview_view(request: HttpRequest, kind: ImportKind, upload: str) -> HttpResponse:
    """Step 2: the dry run, every row with its status and, for errors, line, column, reason."""
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    stored = load_upload(request.user.pk, upload, kind)
    return _running(request, kind, stored) or _preview_response(
        request, kind, stored, _stored_report(request, kind, stored)
    )


@admin_view
def confirm_view(request: HttpRequest, kind: ImportKind, upload: str) -> HttpResponse:
    """Step 3: everything is validated again and written, or nothing is."""
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    stored = load_upload(request.user.pk, upload, kind)
    waiting = _running(request, kind, stored)
    if waiting is not None:
        return waiting
    try:
        table = stored.table()
    except TableError as error:
        return _preview_response(request, kind, stored, str(error.message))
    if len(table.rows) > background_rows():
        start_job(request.user, stored, dry_run=False, total=len(table.rows))
        return redirect("network_import:progress", kind=kind.key, upload=stored.token)
    # A small file is imported at once, but claimed like a large one: a second click while
    # it runs is sent to the progress page rather than importing the file twice.
    job, ours = claim_job(request.user, stored, dry_run=False, total=len(table.rows))
    if not ours:
        return redirect("network_import:progress", kind=kind.key, upload=stored.token)
    try:
        report = run_import(kind, table, request.user, dry_run=False)
    except Exception:
        finish_job(job, None, gettext("The import failed unexpectedly; nothing was written."))
        raise
    finish_job(job, report)
    if not report.written:
        # Something changed since the preview: the rows are shown again, nothing written.
        stored.save_report(report)
        return _preview_response(request, kind, stored, report)
    stored.delete()
    return TemplateResponse(
        request,
        "network/admin/import_done.html",
        _context(request, kind, **_report_context(request, report, rows=False)),
    )


def _job_or_404(request: HttpRequest, kind: ImportKind, upload: str) -> ImportJob:
    job = active_job(request.user.pk, upload)  # the owner is part of the query
    if job is None or job.kind != kind.key:
        raise Http404
    return job


def _job_payload(kind: ImportKind, job: ImportJob) -> dict[str, Any]:
    next_url = ""
    if job.status == ImportJobStatus.DONE and (job.dry_run or not job.written):
        next_url = reverse("network_import:preview", args=[kind.key, job.token])
    return {
        "status": job.status,
        "percent": job.percent,
        "done": job.done,
        "total": job.total,
        "finished": job.finished,
        "summary": _job_summary(job),
        "next_url": next_url,
        # A finished import's page shows the counts: the script reloads it.
        "reload": job.finished and not job.dry_run,
    }


def _job_summary(job: ImportJob) -> str:
    if job.status == ImportJobStatus.FAILED:
        return job.message or gettext("The import failed; nothing was written.")
    if job.status == ImportJobStatus.DONE:
        if job.written:
            return gettext(
                "The import is done: every row was written, and the uploaded file was deleted."
            )
        if not job.dry_run:
            return gettext("Nothing was written: the rows are shown again.")
        return gettext("The check is done: %(rows)s rows, %(errors)s with errors.") % {
            "rows": job.done,
            "errors": job.errors,
        }
    if job.status == ImportJobStatus.QUEUED:
        return gettext("Waiting for the background worker to start…")
    if job.done >= job.total and not job.dry_run:
        return ngettext(
            "Every row is checked; writing %(count)s row…",
            "Every row is checked; writing %(count)s rows…",
            job.total,
        ) % {"count": job.total}
    return gettext("Checking row %(done)s of %(total)s…") % {"done": job.done, "total": job.total}


@admin_view
def progress_view(request: HttpRequest, kind: ImportKind, upload: str) -> HttpResponse:
    """A large file's check or import, followed by a progress bar (the page polls `status`)."""
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    job = _job_or_404(request, kind, upload)
    payload = _job_payload(kind, job)
    if payload["next_url"]:
        return redirect(payload["next_url"])
    return TemplateResponse(
        request,
        "network/admin/import_progress.html",
        _context(
            request,
            kind,
            job=job,
            payload=payload,
            status_url=reverse("network_import:status", args=[kind.key, upload]),
            **_report_context(request, job, rows=False),
        ),
    )


@admin_view
def status_view(request: HttpRequest, kind: ImportKind, upload: str) -> HttpResponse:
    response = JsonResponse(_job_payload(kind, _job_or_404(request, kind, upload)))
    response["Cache-Control"] = "no-store"
    return response


@admin_view
def failed_rows_view(request: HttpRequest, kind: ImportKind, upload: str) -> HttpResponse:
    """The rows that fail, as they were in the file, with an error column."""
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    stored = load_upload(request.user.pk, upload, kind)
    report = _stored_report(request, kind, stored)
    if isinstance(report, str):
        return _preview_response(request, kind, stored, report)
    response = HttpResponse(report.failed_rows_csv(), content_type="text/csv; charset=utf-8")
    filename = f"{kind.key}-erreurs.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def get_urls() -> list[URLPattern]:
    """Mounted under /admin/importer/ by hub/urls.py (namespace "network_import")."""
    return [
        path("<slug:kind>/", upload_view, name="upload"),
        path("<slug:kind>/<slug:upload>/", preview_view, name="preview"),
        path("<slug:kind>/<slug:upload>/confirmer/", confirm_view, name="confirm"),
        path("<slug:kind>/<slug:upload>/suivi/", progress_view, name="progress"),
        path("<slug:kind>/<slug:upload>/suivi/etat/", status_view, name="status"),
        path("<slug:kind>/<slug:upload>/erreurs.csv", failed_rows_view, name="failed_rows"),
    ]
