"""CSV exports that a spreadsheet cannot turn into formulas, with local times."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Text starting like a formula gets a leading quote ("+32…" is a formula to Excel)."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        value = timezone.localtime(value).strftime("%d/%m/%Y %H:%M:%S")
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    writer = csv.writer(response, delimiter=";")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return response


def audit_csv_response(entries) -> HttpResponse:
    header = [
        _("Time"),
        _("Action"),
        _("Object type"),
        _("Object"),
        _("Actor"),
        _("Actor's role"),
        _("Origin"),
    ]
    rows = (
        (e.at, e.action, e.object_type, e.object_key, e.actor_key, e.actor_role, e.origin)
        for e in entries.iterator()
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(f"journal-audit-{stamp}.csv", header, rows)
