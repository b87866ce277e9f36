"""Dates and numbers the Belgian French way (hub/formats/fr), whatever the French variant."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import formats, translation

NBSP = "\xa0"


@pytest.fixture(params=["fr-be", "fr"])
def french(request):
    """The site's language (fr-be, no cookie) and the switcher's "fr": the same formats."""
    with translation.override(request.param):
        yield request.param


def test_dates_are_day_first_with_french_month_names(french):
    day = dt.date(2026, 11, 27)
    moment = dt.datetime(2026, 11, 27, 14, 5)
    assert formats.date_format(day) == "27 novembre 2026"
    assert formats.date_format(day, "SHORT_DATE_FORMAT") == "27/11/2026"
    assert formats.date_format(moment, "DATETIME_FORMAT") == "27 novembre 2026, 14:05"
    assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "27/11/2026 14:05"
    assert formats.time_format(moment.time()) == "14:05"
    assert (
        Template('{{ d|date:"l j F Y" }}').render(Context({"d": day}))
        == "vendredi 27 novembre 2026"
    )


def test_typed_dates_are_read_day_first(french):
    assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%d/%m/%Y"
    assert formats.get_format("FIRST_DAY_OF_WEEK") == 1  # Monday


def test_numbers_have_a_decimal_comma_and_group_thousands_with_a_space(french):
    assert formats.number_format(Decimal("1234.5"), decimal_pos=1) == "1234,5"
    assert formats.number_format(Decimal("1234.5"), decimal_pos=1, force_grouping=True) == (
        f"1{NBSP}234,5"
    )
    render = Template(
        '{{ n|floatformat:"-1" }} | {{ n|floatformat:"1g" }} | {{ i|floatformat:"g" }}'
    )
    assert render.render(Context({"n": 1234.5, "i": 12345})) == (
        f"1234,5 | 1{NBSP}234,5 | 12{NBSP}345"
    )


def test_thousands_are_grouped_only_where_a_template_asks():
    """Grouping every number would break the ids and names that templates build from primary
    keys (`id="hours-{{ enrolment.pk }}"` becomes "hours-1 234"): figures that may pass 999
    use `floatformat:"g"` (or `"1g"`) instead."""
    assert settings.USE_THOUSAND_SEPARATOR is False
    with translation.override("fr-be"):
        assert Template("{{ pk }}").render(Context({"pk": 12345})) == "12345"


def test_long_dates_write_the_first_of_the_month_as_french_does(french):
    from hub.templatetags.hub_tags import long_date

    assert long_date(dt.date(2026, 11, 1)) == "1er novembre 2026"
    assert long_date(dt.date(2026, 11, 27)) == "27 novembre 2026"
    with translation.override("en"):
        assert "1er" not in long_date(dt.date(2026, 11, 1))
