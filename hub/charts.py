"""Bar charts drawn on the server as SVG, each with its data as a table (hub/charts/bar.html).

No script and nothing from a CDN: the SVG is an image with a title and a description that
says what it shows; screen readers and keyboard users read the table, which is the same data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

LABEL_WIDTH = 230  # room for a commune or a module's short name, left of the bars
BAR_AREA = 300
VALUE_ROOM = 60
ROW_HEIGHT = 26
BAR_HEIGHT = 18
LABEL_CHARACTERS = 26


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: int
    width: float
    shown: str  # the value as the table and the chart show it
    short_label: str

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 4

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: `key` names its ids in the page, `unit` follows each value."""

    key: str
    title: str
    label_header: str
    value_header: str
    bars: tuple[Bar, ...]
    description: str
    unit: str = ""

    label_x = LABEL_WIDTH - 8
    bar_x = LABEL_WIDTH
    width = LABEL_WIDTH + BAR_AREA + VALUE_ROOM

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW_HEIGHT + 4

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def bar_chart(
    key: str,
    title: str,
    rows: Iterable[tuple[str, float | int]],
    *,
    label_header: str,
    value_header: str,
    unit: str = "",
    maximum: float | None = None,
) -> BarChart:
    """Bars scaled to the largest value (or `maximum`, e.g. 100 for percentages)."""
    rows = [(str(label), value or 0) for label, value in rows]
    top = maximum or max((value for _label, value in rows), default=0) or 1
    bars = tuple(
        Bar(
            label=label,
            value=value,
            y=2 + index * ROW_HEIGHT,
            width=round(BAR_AREA * min(value, top) / top, 1),
            shown=number_format(value, use_l10n=True, force_grouping=True) + unit,
            short_label=_short(label),
        )
        for index, (label, value) in enumerate(rows)
    )
    description = "; ".join(f"{bar.label} : {bar.shown}" for bar in bars)
    return BarChart(
        key=key,
        title=title,
        label_header=label_header,
        value_header=value_header,
        bars=bars,
        description=description,
        unit=unit,
    )


def trained_charts(
    key: str,
    by_commune: list[tuple[str, int]],
    by_kind: list[tuple[str, int]],
    monthly: list[tuple[dt.date, int]],
) -> dict[str, BarChart]:
    """The three charts of the professionals trained, shared by the admin home and the
    reports page: per commune, per kind of organisation, modules completed per month."""
    people = _("Professionals")
    return {
        "commune": bar_chart(
            f"{key}-commune",
            _("Professionals trained per commune"),
            by_commune,
            label_header=_("Commune"),
            value_header=people,
        ),
        "kind": bar_chart(
            f"{key}-kind",
            _("Professionals trained per kind of organisation"),
            by_kind,
            label_header=_("Kind of organisation"),
            value_header=people,
        ),
        "months": bar_chart(
            f"{key}-months",
            _("Modules completed per month"),
            [(date_format(month, "YEAR_MONTH_FORMAT"), n) for month, n in monthly],
            label_header=_("Month"),
            value_header=_("Modules completed"),
        ),
    }
