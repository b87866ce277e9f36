"""`import_data KIND FILE [--dry-run] [--as USERNAME] [--sheet NAME]`: all or nothing.

Exit status: 0 imported (or would be, with --dry-run), 1 rows have errors (nothing written;
each printed on stderr with its line and column), 2 the file itself cannot be read.
Without --as the command acts with full rights.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from network import imports, registries
from network.exceptions import NotAllowed
from network.tabular import TableError, read_table


class Command(BaseCommand):
    help = "Import a CSV or XLSX file (members, organisations, attendance, ...): all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="One of: " + ", ".join(self._kinds()))
        parser.add_argument("file", help="A .csv or .xlsx file")
        parser.add_argument("--dry-run", action="store_true", help="Check only, write nothing")
        parser.add_argument("--as", dest="username", help="Act as this user (their rights)")
        parser.add_argument("--sheet", help="XLSX: the sheet to read (default: the first)")

    @staticmethod
    def _kinds() -> list[str]:
        return [kind.key for kind in registries.import_kinds]

    def _fail(self, message: str, code: int) -> None:
        self.stderr.write(str(message))
        sys.exit(code)

    def handle(self, *args, kind: str, file: str, dry_run: bool, username, sheet, **options):
        actor = None
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(_("No user named “%(name)s”.") % {"name": username})
        try:
            import_kind = imports.get_kind(kind)
            path = Path(file)
            try:
                data = path.read_bytes()
            except OSError as error:
                raise TableError(
                    _("The file cannot be read: %(error)s") % {"error": error.strerror}
                ) from None
            table = read_table(data, path.name, sheet=sheet)
            report = imports.run_import(
                import_kind, table, actor, dry_run=dry_run, origin="command"
            )
        except TableError as error:
            self._fail(error.message, 2)
            return
        except NotAllowed as error:
            self._fail(error.message, 1)
            return
        described = table.format.upper()
        if table.format == "csv":
            separator = {"\t": "tab"}.get(table.delimiter, table.delimiter)
            described += f" ({table.encoding}, « {separator} »)"
        self.stdout.write(
            _("File: %(format)s, %(rows)s rows.") % {"format": described, "rows": len(report.rows)}
        )
        if report.unknown_columns:
            self.stdout.write(
                _("Ignored columns: %(columns)s") % {"columns": ", ".join(report.unknown_columns)}
            )
        counts = _(
            "new: %(new)s, changed: %(changed)s, unchanged: %(unchanged)s, errors: %(error)s"
        )
        self.stdout.write(counts % report.counts)
        if not report.ok:
            for row in report.error_rows:
                for error in row.errors:
                    where = _("line %(line)s") % {"line": row.line}
                    if error.column:
                        where += _(", column “%(column)s”") % {"column": error.column}
                    self.stderr.write(f"{where}: {error.message}")
            for message in report.general_errors:
                self.stderr.write(message)
            self.stderr.write(_("Nothing was written."))
            sys.exit(1)
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        else:
            self.stdout.write(_("Imported."))
