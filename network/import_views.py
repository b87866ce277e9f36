"""The admin import wizard: upload a file, see the dry run row by row, confirm (or download
the failed rows), for any kind registered in `network.registries.import_kinds`.

The engine (`network.imports.run_import`) validates and writes; these views only keep the
upload, check who may act at every step and show the report. Uploads are kept in the private
storage under `imports/<user id>/<random token>`: the owner is in the path, so another user's
token is a 404. They are deleted after a confirmed import and, in any case, within an hour
(`delete_old_uploads`, a due job; an expired one is refused when read).

The URLs are mounted by hub/urls.py in front of Wagtail's admin: Wagtail's own access check
redirects anyone without admin access, whereas the wizard answers 403 to every signed-in user
who may not import (`admin_view`).
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django import forms
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.auth import reject_request
from wagtail.admin.localization import get_localized_response
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import LogContext

from . import exports, registries
from .imports import ImportKind, ImportReport, may_import, run_import
from .tabular import Table, TableError, max_bytes, read_table

UPLOADS_DIR = "imports"
# The due job runs every 15 minutes: files older than 45 minutes go, so none lives an hour.
UPLOAD_LIFETIME = timedelta(minutes=45)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")

ENCODINGS = {
    "cp1252": _("Windows-1252"),
    "utf-8": _("UTF-8"),
    "utf-8-sig": _("UTF-8 with BOM"),
}
DELIMITERS = {";": _("semicolon (;)"), ",": _("comma (,)"), "\t": _("tab")}


# --- the private store of uploads --------------------------------------------------------


def upload_storage() -> Storage:
    """The private storage only: an upload is personal data, never under MEDIA."""
    return storages["private"]


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

    def read(self) -> bytes:
        with upload_storage().open(self.path, "rb") as handle:
            return handle.read()

    def table(self) -> Table:
        return read_table(self.read(), self.filename, sheet=self.sheet or None)

    def delete(self) -> None:
        storage = upload_storage()
        for name in (self.path, f"{self.path}.json"):
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


def load_upload(user, token: str, kind: ImportKind) -> Upload:
    """The user's own upload for this kind, else 404 (someone else's token included)."""
    if not _TOKEN.match(token):
        raise Http404
    storage = upload_storage()
    base = f"{UPLOADS_DIR}/{user.pk}/{token}"
    if not (storage.exists(base) and storage.exists(f"{base}.json")):
        raise Http404
    with storage.open(f"{base}.json", "rb") as handle:
        meta = json.loads(handle.read())
    if meta.get("kind") != kind.key:
        raise Http404
    uploaded_at = datetime.fromisoformat(meta.get("uploaded_at") or "2000-01-01T00:00:00+00:00")
    if uploaded_at < timezone.now() - UPLOAD_LIFETIME:
        # Expired even if the due job has not run yet.
        storage.delete(base)
        storage.delete(f"{base}.json")
        raise Http404
    return Upload(
        owner_id=user.pk,
        token=token,
        kind=meta["kind"],
        filename=meta.get("filename", "upload.csv"),
        sheet=meta.get("sheet", ""),
        uploaded_at=meta.get("uploaded_at", ""),
    )


def delete_old_uploads(now: datetime | None = None) -> int:
    """Delete every upload file older than UPLOAD_LIFETIME; return how many files went."""
    storage = upload_storage()
    cutoff = (now or timezone.now()) - UPLOAD_LIFETIME
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


def _report_context(report: ImportReport) -> dict[str, Any]:
    return {
        "report": report,
        "rows": [
            {
                "line": row.line,
                "status": row.status,
                "cells": [row.values.get(header, "") for header in report.headers],
                "errors": row.errors,
            }
            for row in report.rows
        ],
        "encoding_label": ENCODINGS.get(report.encoding, report.encoding),
        "delimiter_label": DELIMITERS.get(report.delimiter, report.delimiter),
    }


@admin_view
def upload_view(request: HttpRequest, kind: ImportKind) -> HttpResponse:
    """Step 1: the file, checked as a file (format, size, columns) before it is kept."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        filename = form.cleaned_data["file"].name or ""
        sheet = form.cleaned_data["sheet"].strip()
        try:
            table = read_table(data, filename, sheet=sheet or None)
            # A dry run at once, so that a missing column is said on this page.
            run_import(kind, table, request.user, dry_run=True)
        except TableError as error:
            form.add_error("file", error.message)
        else:
            upload = save_upload(request.user, kind, data, filename, sheet)
            return redirect("network_import:preview", kind=kind.key, upload=upload.token)
    return TemplateResponse(
        request,
        "network/admin/import_upload.html",
        _context(request, kind, form=form, max_size=filesizeformat(max_bytes())),
        status=400 if form.errors else 200,
    )


def _dry_run(request: HttpRequest, kind: ImportKind, upload: Upload) -> ImportReport | str:
    """The report of a dry run of the stored upload, or the message why the file fails."""
    try:
        return run_import(kind, upload.table(), request.user, dry_run=True)
    except TableError as error:
        return str(error.message)


def _preview_response(
    request: HttpRequest, kind: ImportKind, upload: Upload, report: ImportReport | str
) -> HttpResponse:
    if isinstance(report, str):
        upload.delete()
        return TemplateResponse(
            request,
            "network/admin/import_upload.html",
            _context(
                request,
                kind,
                form=UploadForm(),
                file_error=report,
                max_size=filesizeformat(max_bytes()),
            ),
            status=400,
        )
    return TemplateResponse(
        request,
        "network/admin/import_preview.html",
        _context(request, kind, upload=upload, **_report_context(report)),
    )


@admin_view
def preview_view(request: HttpRequest, kind: ImportKind, upload: str) -> HttpResponse:
    """Step 2: the dry run, every row with its status and, for errors, line, column, reason."""
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    stored = load_upload(request.user, upload, kind)
    return _preview_response(request, kind, stored, _dry_run(request, kind, stored))


@admin_view
def confirm_view(request: HttpRequest, kind: ImportKind, upload: str) -> HttpResponse:
    """Step 3: everything is validated again and written, or nothing is."""
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    stored = load_upload(request.user, upload, kind)
    try:
        report = run_import(kind, stored.table(), request.user, dry_run=False)
    except TableError as error:
        return _preview_response(request, kind, stored, str(error.message))
    if not report.written:
        # Something changed since the preview: the rows are shown again, nothing written.
        return _preview_response(request, kind, stored, report)
    stored.delete()
    return TemplateResponse(
        request,
        "network/admin/import_done.html",
        _context(request, kind, **_report_context(report)),
    )


@admin_view
def failed_rows_view(request: HttpRequest, kind: ImportKind, upload: str) -> HttpResponse:
    """The rows that fail, as they were in the file, with an error column."""
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    stored = load_upload(request.user, upload, kind)
    report = _dry_run(request, kind, stored)
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
        path("<slug:kind>/<slug:upload>/erreurs.csv", failed_rows_view, name="failed_rows"),
    ]
