"""The import engine behind the admin wizard and `manage.py import_data`: all or nothing.

An `ImportKind` (registered in `network.registries.import_kinds` by the app that owns the
data) names a resource, the column aliases and the permission needed. `run_import()` maps
the file's headers, validates EVERY row, and writes only when no row has an error and
`dry_run` is off, in one transaction, with one audit entry.

Why not django-import-export's `import_data()`: it loads instances one query per row, takes
a savepoint per row, diffs by deep copy and, without `rollback_on_validation_errors`, keeps
the valid rows. Our resources are still django-import-export `ModelResource`s (their fields
declare the columns and serve exports), but the import calls three hooks of
`ImportResource` instead: `prepare()` preloads what the rows refer to in a few queries,
`check()` validates one row in memory and says whether it is new, changed or unchanged,
`write()` writes the checked rows in bulk. The benchmark `bench/cases/imports.py` compares
this with django-import-export's default `ModelResource`.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _
from import_export import resources

from . import audit, registries
from .exceptions import NotAllowed
from .exports import safe_cell
from .tabular import Table, TableError, normalise_header

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"


class MissingColumns(TableError):
    """The file lacks a column the kind needs: a file-level error, nothing was read."""


@dataclass
class Checked:
    """What `ImportResource.check()` says of one row; `payload` is the resource's own."""

    status: str = NEW
    errors: list[tuple[str | None, str]] = field(default_factory=list)
    payload: Any = None

    def error(self, column: str | None, message: str) -> None:
        self.errors.append((column, str(message)))
        self.status = ERROR


def status_for(existing: object | None, values: Mapping[str, Any], *, same: bool = True) -> str:
    """What a valid row does to what is stored: NEW without `existing`, UNCHANGED when each
    attribute named in `values` (a dotted path such as "user.email") already holds its value
    and `same` (what attributes cannot say, e.g. a set of communes) is true, else CHANGED."""
    if existing is None:
        return NEW
    if same and all(attrgetter(name)(existing) == value for name, value in values.items()):
        return UNCHANGED
    return CHANGED


class ImportResource(resources.ModelResource):
    """A django-import-export resource that the all-or-nothing engine can drive.

    Subclasses declare their fields (for exports) and implement the three hooks. `check()`
    must not query per row: `prepare()` loads what every row needs first.
    """

    def __init__(self, actor=None, **kwargs) -> None:
        super().__init__(**kwargs)
        # None means full rights (the management command without --as).
        self.actor = actor

    def prepare(self, rows: list[dict[str, str]]) -> None:
        """Preload what the rows refer to (a few queries for the whole file)."""

    def check(self, row: dict[str, str]) -> Checked:  # pragma: no cover - abstract
        raise NotImplementedError

    def write(self, checked: list[Checked]) -> None:  # pragma: no cover - abstract
        """Write the rows that are new or changed (never called with an error row)."""
        raise NotImplementedError


@dataclass(frozen=True)
class ImportKind:
    """One kind of file `import_data` and the admin wizard accept.

    `columns` maps each canonical field to the normalised header names accepted for it
    (French and English, see `tabular.normalise_header`); `required` lists the fields whose
    column must be present. `permission` is the "app_label.codename" the actor needs; the
    resource then checks each row against the actor's scope (their communes).
    """

    key: str
    label: Any
    resource: type[ImportResource]
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...] = ()
    permission: str = ""
    order: int = 100
    help_text: Any = ""


def register(kind: ImportKind) -> ImportKind:
    return registries.import_kinds.register(kind)


def get_kind(key: str) -> ImportKind:
    kind = registries.import_kinds.get(key)
    if kind is None:
        known = ", ".join(k.key for k in registries.import_kinds)
        raise TableError(
            _("Unknown kind of import “%(kind)s” (known: %(known)s).")
            % {"kind": key, "known": known}
        )
    return kind


def may_import(actor, kind: ImportKind) -> bool:
    """None is the command without --as: full rights."""
    if actor is None:
        return True
    if not (actor.is_authenticated and actor.is_active):
        return False
    return not kind.permission or actor.has_perm(kind.permission)


# --- report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    column: str  # the file's own header ("" when the error is about the whole row)
    message: str


@dataclass
class RowReport:
    line: int
    status: str
    values: dict[str, str]  # the row as in the file, keyed by the file's headers
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    headers: list[str]
    rows: list[RowReport] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    format: str = ""
    written: bool = False
    # An error that belongs to no single row (e.g. the database refused the batch).
    general_errors: list[str] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def new(self) -> int:
        return self._count(NEW)

    @property
    def changed(self) -> int:
        return self._count(CHANGED)

    @property
    def unchanged(self) -> int:
        return self._count(UNCHANGED)

    @property
    def errors(self) -> int:
        return self._count(ERROR)

    @property
    def counts(self) -> dict[str, int]:
        return {
            NEW: self.new,
            CHANGED: self.changed,
            UNCHANGED: self.unchanged,
            ERROR: self.errors,
        }

    @property
    def ok(self) -> bool:
        return not self.errors and not self.general_errors

    @property
    def error_rows(self) -> list[RowReport]:
        return [row for row in self.rows if row.status == ERROR]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, kept beside the upload for the preview pages (same lifetime)."""
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "headers": self.headers,
            "unknown_columns": self.unknown_columns,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "format": self.format,
            "written": self.written,
            "general_errors": self.general_errors,
            # One list per row, the values in the order of the headers: compact for 20,000.
            "rows": [
                [
                    row.line,
                    row.status,
                    [row.values.get(h, "") for h in self.headers],
                    [[e.column, e.message] for e in row.errors],
                ]
                for row in self.rows
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportReport:
        headers = list(data["headers"])
        return cls(
            kind=data["kind"],
            dry_run=data["dry_run"],
            headers=headers,
            unknown_columns=list(data.get("unknown_columns", [])),
            encoding=data.get("encoding", ""),
            delimiter=data.get("delimiter", ""),
            format=data.get("format", ""),
            written=data.get("written", False),
            general_errors=list(data.get("general_errors", [])),
            rows=[
                RowReport(
                    line=line,
                    status=status,
                    values=dict(zip(headers, values, strict=False)),
                    errors=[RowError(column, message) for column, message in errors],
                )
                for line, status, values, errors in data["rows"]
            ],
        )

    def failed_rows_csv(self) -> bytes:
        """Exactly the bad rows with their original columns and an "Erreur" column, as a
        UTF-8 CSV (with BOM, `;`) that Excel opens, formulas neutralised."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow([safe_cell(h) for h in [*self.headers, _("Error")]])
        for row in self.error_rows:
            message = " ; ".join(
                f"{e.column} : {e.message}" if e.column else e.message for e in row.errors
            )
            writer.writerow(
                [safe_cell(row.values.get(h, "")) for h in self.headers] + [safe_cell(message)]
            )
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- the engine ---------------------------------------------------------------------------


def map_headers(kind: ImportKind, headers: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """{canonical field: the file's header} and the file's headers nobody uses."""
    lookup: dict[str, str] = {}
    for canonical, aliases in kind.columns.items():
        for alias in (canonical, *aliases):
            lookup.setdefault(normalise_header(alias), canonical)
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        found = lookup.get(normalise_header(header))
        if found is None or found in mapping:
            if header:
                unknown.append(header)
            continue
        canonical = found
        mapping[canonical] = header
    return mapping, unknown


def check_columns(kind: ImportKind, table: Table) -> tuple[dict[str, str], list[str]]:
    """`map_headers()`, raising MissingColumns when a required column is absent."""
    mapping, unknown = map_headers(kind, table.headers)
    missing = [name for name in kind.required if name not in mapping]
    if missing:
        raise MissingColumns(
            _("Missing column(s): %(columns)s. Found: %(found)s.")
            % {
                "columns": ", ".join(missing),
                "found": ", ".join(h for h in table.headers if h),
            }
        )
    return mapping, unknown


def run_import(
    kind: ImportKind | str,
    table: Table,
    actor,
    *,
    dry_run: bool,
    origin: str = "admin",
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Validate every row of `table`; write them all (unless `dry_run`) or none.

    Raises NotAllowed when the actor lacks the kind's permission and MissingColumns when a
    required column is absent. `actor=None` acts with full rights (the command).
    """
    if isinstance(kind, str):
        kind = get_kind(kind)
    if not may_import(actor, kind):
        raise NotAllowed(_("You are not allowed to import this kind of file."))
    mapping, unknown = check_columns(kind, table)
    report = ImportReport(
        kind=kind.key,
        dry_run=dry_run,
        headers=list(table.headers),
        unknown_columns=unknown,
        encoding=table.encoding,
        delimiter=table.delimiter,
        format=table.format,
    )
    records = [
        {canonical: row.values.get(header, "") for canonical, header in mapping.items()}
        for row in table.rows
    ]
    resource = kind.resource(actor=actor)
    resource.prepare(records)
    checked: list[Checked] = []
    total = len(records)
    for index, (row, record) in enumerate(zip(table.rows, records, strict=True)):
        outcome = resource.check(record)
        checked.append(outcome)
        report.rows.append(
            RowReport(
                line=row.line,
                status=outcome.status,
                values=row.values,
                errors=[
                    RowError(mapping.get(column, column) if column else "", message)
                    for column, message in outcome.errors
                ],
            )
        )
        if progress is not None and index % 500 == 0:
            progress(index, total)
    if progress is not None:
        progress(total, total)
    if dry_run or not report.ok:
        return report
    to_write = [c for c in checked if c.status in (NEW, CHANGED)]
    try:
        with transaction.atomic():
            if to_write:
                resource.write(to_write)
            _audit(kind, report, actor, origin)
    except DatabaseError:
        # The database refused the batch (a concurrent change, say): nothing was written. Its
        # own text may quote a row's values (PostgreSQL's DETAIL): not shown, not kept.
        report.general_errors.append(
            _(
                "The import was cancelled, nothing was written: the data changed meanwhile. "
                "Import the file again."
            )
        )
        return report
    except ValueError as error:
        # Our resources' own refusals (French, no row content).
        report.general_errors.append(
            _("The import was cancelled, nothing was written: %(error)s") % {"error": error}
        )
        return report
    report.written = True
    return report


class _Counts:
    """Stands for the imported file in the audit log: its key is the counts, never content."""

    def __init__(self, report: ImportReport) -> None:
        self.pk = f"new={report.new} changed={report.changed} unchanged={report.unchanged}"


def _audit(kind: ImportKind, report: ImportReport, actor, origin: str) -> None:
    audit.record(
        f"import.{kind.key}",
        _Counts(report),  # type: ignore[arg-type]
        actor=actor,
        origin=origin,
        object_type=kind.key,
    )


# --- helpers shared by resources -----------------------------------------------------------


def fold(text: str) -> str:
    """A name as compared: case, accents, apostrophes and spaces ignored."""
    text = (text or "").replace("’", "'").replace("‘", "'")
    return " ".join(normalise_header(text).split())


def closest(name: str, candidates: Mapping[str, str]) -> str | None:
    """The known name closest to `name` (`candidates`: folded name -> name as stored)."""
    found = difflib.get_close_matches(fold(name), list(candidates), n=1, cutoff=0.6)
    return candidates[found[0]] if found else None
