"""Review of the import engine (issue 8): regressions found by a fresh reading."""

import csv
import io

import pytest
from django.utils import translation

from network import imports
from network.tabular import TableError, read_table

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _csv(rows, delimiter):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_quoted_name_followed_by_a_comma_does_not_fool_the_separator(delimiter):
    # Excel writes the cell «"Le Pivot", Esneux» as """Le Pivot"", Esneux": the header line,
    # which has no comma at all, says the separator.
    rows = [["Nom", "Organisation"], ['"Le Pivot", Esneux', "CPAS"], ["Martin", "CPAS"]]
    table = read_table(_csv(rows, delimiter), "organisations.csv")
    assert table.delimiter == delimiter
    assert table.headers == ["Nom", "Organisation"]
    assert table.rows[0].values == {"Nom": '"Le Pivot", Esneux', "Organisation": "CPAS"}


def test_a_repeated_header_reads_the_first_column_and_reports_the_second():
    data = b"E-mail;Nom;E-mail\r\na@example.org;Dupont;\r\n"
    table = read_table(data, "membres.csv")
    kind = imports.get_kind("members")
    mapping, unknown = imports.map_headers(kind, table.headers)
    assert mapping["email"] == "E-mail" and unknown == ["E-mail"]
    assert table.rows[0].values["E-mail"] == "a@example.org"


def test_an_xlsx_formula_is_read_as_its_value_never_evaluated(demo_data):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Nom", "Prénom", "E-mail", "Organisation"])
    sheet.append(["=1+1", '=HYPERLINK("http://x")', "a@example.org", "=A2"])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(buffer.getvalue(), "membres.xlsx")
    # No cached value (the file was never opened in Excel): an empty cell, not "2".
    assert table.rows[0].values["Nom"] in ("", "=1+1")
    report = imports.run_import("members", table, None, dry_run=True)
    assert report.rows[0].status == "error"
    failed = report.failed_rows_csv().decode("utf-8-sig")
    assert "\n=" not in failed and ";=" not in failed


def test_a_utf8_file_with_one_stray_windows_byte_is_refused_not_garbled():
    # Mostly UTF-8 (Hélène) with one Windows-1252 "é" pasted in: reading it all as
    # Windows-1252 would write "HÃ©lÃ¨ne" into the names.
    data = "Nom;Prénom\r\nDupont;Hélène\r\n".encode() + b"Martin;Andr\xe9\r\n"
    with pytest.raises(TableError, match="encoding"):
        read_table(data, "membres.csv")
    # A genuine Windows-1252 file is still read as such.
    table = read_table("Nom;Prénom\r\nDupont;Hélène\r\n".encode("cp1252"), "membres.csv")
    assert table.encoding == "cp1252" and table.rows[0].values["Prénom"] == "Hélène"
