"""Reading the spreadsheets Belgian offices produce: CSV (`;`, `,` or tab; UTF-8 with or
without BOM, or Windows-1252) and XLSX, into one plain table of stripped text cells.

`read_table()` never trusts the file: size and row limits come from the settings
`MAILLAGE_IMPORT_MAX_BYTES` and `MAILLAGE_IMPORT_MAX_ROWS`, and anything unreadable is a
`TableError` whose message can be shown as it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

from .exceptions import NetworkError

# What a spreadsheet would read as the start of a formula. Exports put a `'` before text that
# starts so (network.exports.safe_cell); reading a file, that quote is taken off again, so an
# exported or failed-rows file imports back as it was.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000
DELIMITERS = (";", ",", "\t")
XLSX_MAGIC = b"PK\x03\x04"


class TableError(NetworkError):
    """The file itself cannot be read (format, encoding, size, rows): nothing was imported."""


@dataclass(frozen=True)
class Row:
    """One data row: `line` is the file's own line number (the header is line 1)."""

    line: int
    values: dict[str, str]


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]
    encoding: str = ""  # "utf-8", "utf-8-sig", "cp1252"; "" for XLSX
    delimiter: str = ""  # "" for XLSX
    format: str = "csv"  # "csv" or "xlsx"
    sheet_names: list[str] = field(default_factory=list)


def max_bytes() -> int:
    return int(getattr(settings, "MAILLAGE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_rows() -> int:
    return int(getattr(settings, "MAILLAGE_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


# --- headers and values -------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s_\-‐‑–—]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_header(text: str) -> str:
    """`"  Prénom "` -> `"prenom"`; `"E-mail"`, `"e_mail"`, `"E mail"` -> `"e mail"`."""
    text = strip_accents(str(text or "")).casefold()
    return _SEPARATORS.sub(" ", text).strip()


def cell_text(value) -> str:
    """A cell as the stripped text a person typed; real dates and numbers from XLSX too."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    text = str(value)
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_PREFIXES:
        text = text[1:]
    return text.strip()


_DATE_PATTERNS = (
    re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$"),
    re.compile(r"^(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})$"),
    re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]00:00(?::00)?)?$"),
)


def parse_date(value) -> dt.date:
    """dd/mm/yyyy, dd-mm-yyyy, ISO yyyy-mm-dd, or a real date from XLSX."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                break
    raise ValueError(
        _("“%(value)s” is not a date: write it as dd/mm/yyyy, e.g. 14/10/2026.") % {"value": text}
    )


def parse_decimal(value) -> Decimal:
    """A number with a decimal comma or point (`3,5`, `3.5`, `6`)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    text = str(value or "").strip().replace("\u00a0", "").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not re.match(r"^[+-]?\d*\.?\d+$", text):
        raise ValueError(
            _("“%(value)s” is not a number: write it like 3,5 or 6.") % {"value": value}
        )
    return number


# --- reading ------------------------------------------------------------------------------


def read_table(data: bytes, filename: str, *, sheet: str | None = None) -> Table:
    """Read a CSV or XLSX file into a Table; raise TableError when the file is unreadable."""
    limit = max_bytes()
    if not data:
        raise TableError(_("The file is empty."))
    if len(data) > limit:
        raise TableError(
            _("The file is too large: at most %(size)s MB.") % {"size": round(limit / 1048576, 1)}
        )
    name = (filename or "").lower()
    if data.startswith(XLSX_MAGIC) or name.endswith((".xlsx", ".xlsm")):
        table = _read_xlsx(data, sheet)
    elif name.endswith(".xls"):
        raise TableError(
            _("Old Excel files (.xls) are not read: save the file as .xlsx or CSV first.")
        )
    else:
        table = _read_csv(data)
    if not table.headers or not any(table.headers):
        raise TableError(_("The file has no header line."))
    if len(table.rows) > max_rows():
        raise TableError(
            _("The file has too many rows: at most %(count)s.") % {"count": max_rows()}
        )
    return table


# "Ã" followed by a continuation byte, or a UTF-8 typographic sign (’ “ ” – …): UTF-8 for
# sure, next to nothing a Windows-1252 file holds.
_UTF8_ACCENT = re.compile(rb"\xc3[\x80-\xbf]|\xe2\x80[\x80-\xbf]")


def _decode(data: bytes) -> tuple[str, str]:
    try:
        text = data.decode("utf-8-sig")  # strict: a cp1252 accent is not valid UTF-8
    except UnicodeDecodeError:
        # UTF-8 accents next to a stray Windows-1252 byte (a mixed file): read as
        # Windows-1252 they would be written as "Ã©"; refused rather than garbled.
        if _UTF8_ACCENT.search(data):
            raise TableError(
                _("The file's encoding is not recognised: save it as CSV UTF-8.")
            ) from None
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise TableError(
                _("The file's encoding is not recognised: save it as CSV UTF-8.")
            ) from None
    return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"


def _delimiter(text: str) -> str:
    lines = text.splitlines()
    sample = "\n".join(lines[:50])
    # The header line decides when the sniffer's guess does not split it at all (a quoted
    # «"Le Pivot", Esneux» in a `;` file looks like a comma-separated quote to the sniffer).
    first = next((line for line in lines if line.strip()), "")
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed and (counts[sniffed] or not counts[best]):
        return sniffed
    return best if counts[best] else ";"


def _read_csv(data: bytes) -> Table:
    if b"\x00" in data[:4096]:
        raise TableError(_("This is not a CSV or XLSX file."))
    text, encoding = _decode(data)
    delimiter = _delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise TableError(_("The CSV file cannot be read: %(error)s") % {"error": error}) from None
    return _table(records, encoding=encoding, delimiter=delimiter, format="csv")


def _table(records: list[list], *, sheet_names: list[str] | None = None, **meta) -> Table:
    # Rows are numbered as in the file; empty rows are skipped (trailing ones included).
    numbered = [(n, [cell_text(c) for c in r]) for n, r in enumerate(records, start=1)]
    numbered = [(n, cells) for n, cells in numbered if any(cells)]
    if not numbered:
        raise TableError(_("The file is empty."))
    header_line, headers = numbered[0]
    while headers and not headers[-1]:
        headers.pop()
    rows = []
    limit = max_rows()
    for line, cells in numbered[1:]:
        rows.append(
            Row(
                line=line - header_line + 1,
                # A repeated header keeps its first column (the one the import maps).
                values=_values(headers, cells),
            )
        )
        if len(rows) > limit:
            break
    return Table(headers=headers, rows=rows, sheet_names=sheet_names or [], **meta)


def _values(headers: list[str], cells: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for i, header in enumerate(headers):
        values.setdefault(header, cells[i] if i < len(cells) else "")
    return values


def _read_xlsx(data: bytes, sheet: str | None) -> Table:
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    # openpyxl parses XML safely (no entity bombs) only when defusedxml is installed.
    if not DEFUSEDXML:
        raise TableError(_("XLSX files cannot be read safely on this server."))
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise TableError(_("The XLSX file cannot be read.")) from None
    except Exception as error:  # defusedxml's and openpyxl's own errors
        raise TableError(_("The XLSX file cannot be read.")) from error
    try:
        names = list(book.sheetnames)
        if sheet is not None and sheet not in names:
            raise TableError(
                _("The workbook has no sheet “%(sheet)s” (sheets: %(names)s).")
                % {"sheet": sheet, "names": ", ".join(names)}
            )
        worksheet = book[sheet] if sheet is not None else book.worksheets[0]
        limit = max_rows() + 2
        records = []
        for record in worksheet.iter_rows(values_only=True):
            records.append(list(record))
            if len(records) > limit * 2:  # empty rows included; enough to know it is too long
                break
    finally:
        book.close()
    return _table(records, format="xlsx", sheet_names=names, encoding="", delimiter="")
