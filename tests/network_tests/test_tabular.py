"""Reading the files offices produce: what is read equals what was written, whatever the
separator, encoding, date format, accents and stray spaces."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from network.tabular import (
    TableError,
    normalise_header,
    parse_date,
    parse_decimal,
    read_table,
)

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêëàâäîïôöûüçÉÈÀÇœŒ'-"
# Texts a person types: letters with accents and spaces inside, stray spaces around.
words = st.text(alphabet=LETTERS, min_size=1, max_size=12).filter(lambda s: s.strip("'-"))
names = st.lists(words, min_size=1, max_size=3).map(" ".join)
padding = st.sampled_from(["", " ", "  ", "\u00a0"[:0]])
dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31))
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d")


def _csv_bytes(header, rows, delimiter, encoding, crlf):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


@settings(max_examples=150, deadline=None)
@given(
    people=st.lists(st.tuples(names, names, dates, padding, padding), min_size=1, max_size=12),
    delimiter=st.sampled_from([";", ",", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    date_format=st.sampled_from(DATE_FORMATS),
    crlf=st.booleans(),
    trailing_empty=st.integers(min_value=0, max_value=3),
)
def test_csv_round_trip(people, delimiter, encoding, date_format, crlf, trailing_empty):
    header = ["Nom", " Prénom ", "Date de naissance"]
    rows = [
        [pad1 + last + pad2, first, born.strftime(date_format)]
        for last, first, born, pad1, pad2 in people
    ]
    rows += [["", "", ""]] * trailing_empty
    data = _csv_bytes(header, rows, delimiter, encoding, crlf)

    table = read_table(data, "liste.csv")

    assert table.format == "csv"
    assert table.delimiter == delimiter
    expected_encoding = "utf-8" if encoding == "utf-8" else encoding
    if encoding == "cp1252" and all(b < 128 for b in data):
        expected_encoding = "utf-8"  # plain ASCII is valid UTF-8 as well
    assert table.encoding == expected_encoding
    assert [normalise_header(h) for h in table.headers] == ["nom", "prenom", "date de naissance"]
    assert len(table.rows) == len(people)
    for row, (last, first, born, _pad1, _pad2) in zip(table.rows, people, strict=True):
        values = list(row.values.values())
        assert values[0] == last.strip()
        assert values[1] == first.strip()
        assert parse_date(values[2]) == born
    assert [row.line for row in table.rows] == list(range(2, len(people) + 2))


@settings(max_examples=40, deadline=None)
@given(
    people=st.lists(st.tuples(names, dates, st.decimals(0, 99, places=2)), min_size=1, max_size=8),
    as_text=st.booleans(),
)
def test_xlsx_round_trip(people, as_text):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Présences"
    sheet.append(["Nom", "Date", "Heures"])
    for name, day, hours in people:
        sheet.append([f" {name} ", day.strftime("%d/%m/%Y") if as_text else day, float(hours)])
    other = book.create_sheet("Autre")
    other.append(["x"])
    buffer = io.BytesIO()
    book.save(buffer)

    table = read_table(buffer.getvalue(), "presences.xlsx")

    assert table.format == "xlsx"
    assert table.sheet_names == ["Présences", "Autre"]
    assert len(table.rows) == len(people)
    for row, (name, day, hours) in zip(table.rows, people, strict=True):
        assert row.values["Nom"] == name.strip()
        assert parse_date(row.values["Date"]) == day
        assert parse_decimal(row.values["Heures"]) == hours
    assert read_table(buffer.getvalue(), "p.xlsx", sheet="Autre").headers == ["x"]
    with pytest.raises(TableError):
        read_table(buffer.getvalue(), "p.xlsx", sheet="Nope")


def test_normalise_header():
    assert normalise_header("  Prénom ") == "prenom"
    assert normalise_header("E-mail") == normalise_header("e_mail") == "e mail"
    assert normalise_header("Téléphone  portable") == "telephone portable"


def test_parse_helpers():
    assert parse_date("14/10/2026") == parse_date("14-10-2026") == dt.date(2026, 10, 14)
    assert parse_date("2026-10-14") == dt.date(2026, 10, 14)
    assert parse_date(dt.datetime(2026, 10, 14, 0, 0)) == dt.date(2026, 10, 14)
    assert parse_decimal("3,5") == parse_decimal("3.5") == Decimal("3.5")
    for bad in ("31/02/2026", "2026/10/14", "demain", ""):
        with pytest.raises(ValueError):
            parse_date(bad)
    for bad in ("3,5,1", "trois", "1e3", "NaN", ""):
        with pytest.raises(ValueError):
            parse_decimal(bad)


def test_unreadable_files(settings):
    with pytest.raises(TableError):
        read_table(b"", "vide.csv")
    with pytest.raises(TableError):
        read_table(b"PK\x03\x04 not a zip", "faux.xlsx")
    with pytest.raises(TableError):
        read_table(b"\x00\x01\x02binary", "image.csv")
    settings.MAILLAGE_IMPORT_MAX_BYTES = 100
    with translation.override("en"), pytest.raises(TableError, match="too large"):
        read_table(b"a;b\n" * 50, "grand.csv")
    settings.MAILLAGE_IMPORT_MAX_BYTES = 10_000
    settings.MAILLAGE_IMPORT_MAX_ROWS = 3
    with translation.override("en"), pytest.raises(TableError, match="too many rows"):
        read_table(b"a;b\n1;2\n3;4\n5;6\n7;8\n", "long.csv")
    assert len(read_table(b"a;b\n1;2\n3;4\n5;6\n;\n\n", "ok.csv").rows) == 3
