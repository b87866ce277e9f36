"""The "Rapports" page's figures for a period and communes, as XLSX sheets and as a PDF, for the
network's yearly activity report and its funders. The same figures as the dashboards
(hub.dashboards), never a name: aggregates only, children's counts masked below five."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from groups import statistics

from . import dashboards


@dataclass
class Report:
    period: dashboards.Period
    scope: dashboards.Scope
    trained: dashboards.Trained
    monthly: list[tuple[dt.date, int]]
    runs: list[dashboards.RunRow]
    evaluations: list[dashboards.EvaluationRow]
    certificates_issued: int
    groups: list[tuple[statistics.SchoolYear, list[statistics.CommuneFigures]]]
    made_at: dt.datetime

    @property
    def communes_label(self) -> str:
        if self.scope.everywhere:
            return _("Every commune of the network")
        return ", ".join(c.name for c in self.scope.communes)

    @property
    def modules_completed(self) -> int:
        return sum(n for _month, n in self.monthly)


def build(user, period: dashboards.Period, commune_ids: list[int] | None = None) -> Report:
    """In a fixed number of queries (about 20), whatever the size of the network."""
    scope = dashboards.scope_for(user, commune_ids)
    return Report(
        period=period,
        scope=scope,
        trained=dashboards.trained(scope, period),
        monthly=dashboards.monthly_completions(scope, period),
        runs=dashboards.runs_in(scope, period),
        evaluations=dashboards.evaluations(scope, period),
        certificates_issued=dashboards.issued_in(scope, period),
        groups=[
            (year, dashboards.group_figures(user, scope, year))
            for year in dashboards.school_years(period)
        ],
        made_at=timezone.now(),
    )


def month_label(day: dt.date) -> str:
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def _average(value) -> str | float:
    return "" if value is None else float(value)


# --- the sections, shared by the page, the workbook and the PDF --------------------------------


@dataclass(frozen=True)
class Section:
    title: str
    sheet: str  # the workbook's sheet name: short (Excel takes 31 characters) and unique
    header: list[str]
    rows: list[list]
    note: str = ""


def sections(report: Report) -> list[Section]:
    trained = report.trained
    summary = Section(
        _("Summary"),
        _("Summary"),
        [_("Figure"), _("Value")],
        [
            [_("Period"), report.period.label],
            [_("Communes"), report.communes_label],
            [_("Professionals trained"), trained.total],
            [_("Modules completed"), report.modules_completed],
            [_("Training sessions started"), len(report.runs)],
            [_("Certificates issued"), report.certificates_issued],
            [_("Training evaluations received"), sum(e.answers for e in report.evaluations)],
            [
                _("Support-group meetings held (whole school years)"),
                sum(row.meetings_held for _year, rows in report.groups for row in rows),
            ],
        ],
    )
    return [
        summary,
        Section(
            _("Professionals trained per commune"),
            _("Per commune"),
            [_("Commune"), _("Professionals")],
            [list(row) for row in trained.by_commune],
            _("A professional active in several communes counts in each of them."),
        ),
        Section(
            _("Professionals trained per kind of organisation"),
            _("Per kind of organisation"),
            [_("Kind of organisation"), _("Professionals")],
            [list(row) for row in trained.by_kind],
        ),
        Section(
            _("Professionals trained per module and commune"),
            _("Per module"),
            [_("Module"), *trained.communes, _("Total")],
            [[m.title, *m.by_commune, m.total] for m in trained.modules],
        ),
        Section(
            _("Modules completed per month"),
            _("Per month"),
            [_("Month"), _("Modules completed")],
            [[month_label(month), n] for month, n in report.monthly],
        ),
        Section(
            _("Training sessions"),
            _("Training sessions"),
            [
                _("Training session"),
                _("Module"),
                _("Commune"),
                _("First session"),
                _("Seats"),
                _("Seats taken"),
                _("Completed"),
                _("Waiting list"),
            ],
            [
                [
                    row.code,
                    row.module,
                    row.commune,
                    timezone.localdate(row.starts_at) if row.starts_at else "",
                    row.capacity,
                    row.seats_taken,
                    row.completed,
                    row.waitlisted,
                ]
                for row in report.runs
            ],
        ),
        Section(
            _("Training evaluations"),
            _("Evaluations"),
            [_("Module"), _("Answers"), *dashboards.question_labels()],
            [[e.title, e.answers, *[_average(a) for a in e.averages]] for e in report.evaluations],
            _(
                "Average ratings out of 5 of the whole months touched by the period; not shown "
                "below %(n)s answers. Comments are not reported."
            )
            % {"n": dashboards.MIN_EVALUATIONS},
        ),
        Section(
            _("Support groups"),
            _("Support groups"),
            statistics.export_header(),
            [row for year, rows in report.groups for row in statistics.export_rows(rows, year)],
            _(
                "Per whole school year (1 September to 31 August) touched by the period. Counts "
                "of children below five are shown as “%(masked)s”."
            )
            % {"masked": statistics.MASKED},
        ),
    ]


SHOWN_ROWS = 100  # per section on the page; the downloads hold every row


def cell_text(value) -> str:
    """A cell as the page and the PDF show it: local dates, Belgian numbers, a dash for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, float | int | Decimal) and not isinstance(value, bool):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    return str(value)


@dataclass(frozen=True)
class ShownSection:
    """A section with its cells as text, at most SHOWN_ROWS rows (rendering thousands of rows
    cell by cell in a template is slow, and no one reads them on screen)."""

    section: Section
    rows: list[list[str]]
    hidden: int


def shown(sections_: list[Section]) -> list[ShownSection]:
    return [
        ShownSection(
            s,
            [[cell_text(v) for v in row] for row in s.rows[:SHOWN_ROWS]],
            max(0, len(s.rows) - SHOWN_ROWS),
        )
        for s in sections_
    ]


def sheet_title(title: str) -> str:
    """Excel refuses sheet names over 31 characters and a few characters."""
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in title)
    return cleaned[:31]


# --- PDF ---------------------------------------------------------------------------------------


def pdf_bytes(report: Report) -> bytes:
    """An A4 document: a title, the period and communes, a bar chart and a table per section."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        LongTable,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )

    from certificates.pdf import BOLD, REGULAR, register_fonts

    register_fonts()
    title_style = ParagraphStyle("title", fontName=BOLD, fontSize=16, leading=20, spaceAfter=6)
    heading = ParagraphStyle("heading", fontName=BOLD, fontSize=12, leading=15, spaceBefore=10)
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=12)
    cell = ParagraphStyle("cell", fontName=REGULAR, fontSize=8, leading=10)
    note = ParagraphStyle("note", parent=body, fontSize=8, textColor=colors.HexColor("#5b6670"))
    width = A4[0] - 30 * mm

    text = cell_text

    def escape(value: str) -> str:
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def chart(rows: list[tuple[str, int]]) -> Drawing | None:
        values = [n for _label, n in rows]
        if not rows or not any(values):
            return None
        height = 14 * len(rows) + 20
        drawing = Drawing(width, height)
        bars = HorizontalBarChart()
        bars.x, bars.y, bars.width, bars.height = 120, 10, width - 160, height - 20
        bars.data = [values[::-1]]
        bars.categoryAxis.categoryNames = [label[:30] for label, _n in rows][::-1]
        bars.categoryAxis.labels.fontName = REGULAR
        bars.categoryAxis.labels.fontSize = 7
        bars.valueAxis.labels.fontName = REGULAR
        bars.valueAxis.labels.fontSize = 7
        bars.valueAxis.valueMin = 0
        bars.bars[0].fillColor = colors.HexColor("#2563eb")
        bars.barLabelFormat = "%d"
        bars.barLabels.fontName = REGULAR
        bars.barLabels.fontSize = 7
        bars.barLabels.nudge = 8
        drawing.add(bars)
        return drawing

    charts = {
        1: report.trained.by_commune,
        2: report.trained.by_kind,
        4: [(month_label(m), n) for m, n in report.monthly],
    }
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=_("Activity report"),
        author=_("Intrafamily violence network — Secova police zone"),
        lang="fr-BE",
    )
    story: list = [
        Paragraph(escape(_("Activity report")), title_style),
        Paragraph(escape(_("Intrafamily violence network — Secova police zone")), body),
        Paragraph(escape(report.period.label) + " — " + escape(report.communes_label), body),
        Paragraph(
            escape(
                _("Made on %(date)s")
                % {"date": formats.date_format(timezone.localtime(report.made_at), "DATE_FORMAT")}
            ),
            note,
        ),
        Spacer(1, 4 * mm),
    ]
    for index, section in enumerate(sections(report)):
        parts: list = [Paragraph(escape(section.title), heading), Spacer(1, 2 * mm)]
        drawing = chart(charts.get(index, []))
        if drawing is not None:
            parts.append(drawing)
        if section.rows:
            data = [[Paragraph(escape(text(v)), cell) for v in section.header]] + [
                [Paragraph(escape(text(v)), cell) for v in row] for row in section.rows
            ]
            table = LongTable(data, repeatRows=1, hAlign="LEFT")
            table.setStyle(
                TableStyle(
                    [
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b1")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            parts.append(table)
        else:
            parts.append(Paragraph(escape(_("Nothing for this period.")), body))
        if section.note:
            parts.append(Paragraph(escape(section.note), note))
        story.append(KeepTogether(parts[:3]) if drawing is not None else parts[0])
        story.extend(parts[3:] if drawing is not None else parts[1:])
    document.build(story)
    return buffer.getvalue()
