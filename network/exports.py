"""The one export layer: CSV and XLSX that a spreadsheet cannot turn into formulas, with local
times, an explicit permission, rows scoped by the permission layer and an audit entry.

Wagtail's own listing export writes values raw, asks for no permission and writes XLSX times in
UTC: it is switched off on every screen with personal data (network.admin_views), and every
export goes through `export_for` instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views.defaults import permission_denied

from . import audit, permissions
from .tabular import FORMULA_PREFIXES

FORMATS = ("csv", "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _local(value: dt.datetime) -> dt.datetime:
    """An aware datetime in the local zone (Europe/Brussels), naive; a naive one as it is."""
    if timezone.is_aware(value):
        return timezone.make_naive(timezone.localtime(value))
    return value


def safe_cell(value) -> str:
    """Text starting like a formula gets a leading quote ("+32…" is a formula to Excel)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if _is_number(value):
        return str(value)  # a negative number is a number, not a formula
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    response = HttpResponse(content_type=CSV_CONTENT_TYPE)
    _attachment(response, filename)
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    writer = csv.writer(response, delimiter=";")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return response


def _xlsx_cell(sheet, value):
    """A typed cell: numbers as numbers, dates as local dates, everything else as a string."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return WriteOnlyCell(sheet, value=None)
    if _is_number(value):
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=_local(value))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell = WriteOnlyCell(sheet, value=None)
    # Assigned after the value: openpyxl would read "=…" as a formula; "s" is always text.
    cell._value = text
    cell.data_type = "s"
    return cell


def xlsx_bytes(header: list[str], rows: Iterable[Iterable]) -> bytes:
    return xlsx_workbook_bytes([(None, header, rows)])


def xlsx_workbook_bytes(
    sheets: Iterable[tuple[str | None, list[str], Iterable[Iterable]]],
) -> bytes:
    """A workbook of (sheet title, header, rows) sheets; a title of None keeps openpyxl's."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    carriage_return = False
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=title)
        for row in itertools.chain([header], rows):
            cells = [_xlsx_cell(sheet, value) for value in row]
            carriage_return = carriage_return or any(
                c.data_type == "s" and "\r" in (c._value or "") for c in cells
            )
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    return _keep_carriage_returns(data) if carriage_return else data


def _keep_carriage_returns(data: bytes) -> bytes:
    """Write a CR inside text as `&#13;`: a raw one is read back as a line feed (XML's rule).

    openpyxl writes markup without CR, so every CR in a worksheet's XML is inside a value.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                content = content.replace(b"\r", b"&#13;")
            target.writestr(info, content)
    return out.getvalue()


def xlsx_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(header, rows), content_type=XLSX_CONTENT_TYPE)
    return _attachment(response, filename)


def file_response(filename_stem: str, extension: str, content: bytes, content_type: str):
    """`content` as the attachment `<stem>-<local time>.<extension>`, never cached."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = get_valid_filename(f"{filename_stem}-{stamp}.{extension}")
    return _attachment(HttpResponse(content, content_type=content_type), filename)


def export_response(
    filename_stem: str, header: list[str], rows: Iterable[Iterable], *, fmt: str = "csv"
) -> HttpResponse:
    """The rows as `<stem>-<local time>.csv` or `.xlsx`, formulas neutralised either way."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format: {fmt}")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = get_valid_filename(f"{filename_stem}-{stamp}.{fmt}")
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows)
    return csv_response(filename, header, rows)


def requested_format(request: HttpRequest) -> str:
    """`?format=xlsx` asks for XLSX; anything else is CSV."""
    return "xlsx" if request.GET.get("format") == "xlsx" else "csv"


# --- the export layer -------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    """One export: who may ask for it, which rows, which columns.

    `permission` is a Django model permission ("app_label.codename") the user must hold;
    the rows are then narrowed by the permission layer's "export" action on `model`.
    """

    name: str
    model: type[models.Model]
    permission: str
    header: Callable[[], list[str]]
    rows: Callable[[models.QuerySet], Iterable[Iterable]]
    filename: str
    action: str = "export"

    @property
    def object_type(self) -> str:
        return self.model._meta.label_lower

    def allowed(self, user) -> bool:
        return bool(
            user is not None
            and user.is_authenticated
            and user.is_active
            and user.has_perm(self.permission)
        )

    def scope(self, user, queryset: models.QuerySet) -> models.QuerySet:
        """The rows of `queryset` the permission layer lets `user` export."""
        allowed = permissions.visible(user, self.model, self.action)
        return queryset.filter(pk__in=allowed.values("pk"))


def forbidden(request: HttpRequest) -> HttpResponse:
    """A plain 403 (Wagtail's admin would turn PermissionDenied into a redirect)."""
    return permission_denied(request, PermissionDenied())


def export_for(
    request: HttpRequest,
    export: Export,
    queryset: models.QuerySet,
    fmt: str = "csv",
    *,
    filename: str | None = None,
    obj: models.Model | None = None,
) -> HttpResponse:
    """Check the export's permission (403), scope the rows, audit, answer the file.

    `obj` is what the export is of, when it is one object (a run's enrolments): the audit
    entry names it.
    """
    user = request.user
    if not export.allowed(user):
        return forbidden(request)
    rows = export.scope(user, queryset)
    audit.record(
        f"export.{export.name}",
        obj,
        actor=user,
        origin="admin",
        object_type=obj._meta.label_lower if obj is not None else export.object_type,
    )
    return export_response(filename or export.filename, export.header(), export.rows(rows), fmt=fmt)


# --- the audit log's own export (network coordination only) ----------------------------------


def audit_header() -> list[str]:
    return [
        _("Time"),
        _("Action"),
        _("Object type"),
        _("Object"),
        _("Actor"),
        _("Actor's role"),
        _("Origin"),
    ]


def audit_rows(entries):
    return (
        (e.at, e.action, e.object_type, e.object_key, e.actor_key, e.actor_role, e.origin)
        for e in entries.iterator()
    )


def audit_csv_response(entries) -> HttpResponse:
    return export_response("journal-audit", audit_header(), audit_rows(entries))
