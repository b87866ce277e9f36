"""Materialising 50 weekly series over a school year, against bulk-inserting the same rows."""

import datetime as dt

import recurrence

from bench.harness import Case
from network.models import Commune
from sessions import services
from sessions.models import Series, Session

SCHOOL_YEAR_START = dt.date(2027, 8, 30)
SCHOOL_YEAR_END = dt.date(2028, 7, 2)
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]


def _series() -> list[Series]:
    communes = list(Commune.objects.order_by("pk"))
    result = []
    for index in range(50):
        series, _ = Series.objects.update_or_create(
            title=f"Bench série {index:02d}",
            defaults={
                "commune": communes[index % len(communes)],
                "start_date": SCHOOL_YEAR_START + dt.timedelta(days=index % 5),
                "start_time": dt.time(9 + index % 8, 30),
                "duration_minutes": 120,
                "rule": recurrence.deserialize(
                    f"RRULE:FREQ=WEEKLY;BYDAY={WEEKDAYS[index % 5]};UNTIL=20280702T000000"
                ),
                "skip_public_holidays": True,
                "skip_school_holidays": True,
            },
        )
        result.append(series)
    return result


def cases(dataset: dict) -> list[Case]:
    services.sync_holiday_closures([2027, 2028])
    series = _series()
    Session.objects.filter(series__in=series).delete()
    for item in series:
        services.regenerate(item, until=SCHOOL_YEAR_END)
    rows = [
        (s.series_id, s.original_start, s.start, s.end, s.uid)
        for s in Session.objects.filter(series__in=series)
    ]

    def materialise() -> None:
        Session.objects.filter(series__in=series).delete()
        for item in series:
            services.regenerate(item, until=SCHOOL_YEAR_END)

    def bulk_insert() -> None:
        Session.objects.filter(series__in=series).delete()
        Session.objects.bulk_create(
            Session(series_id=sid, original_start=o, start=st, end=e, uid=uid)
            for sid, o, st, e, uid in rows
        )

    return [
        Case(
            name="materialise_50_series",
            description="regenerate() of 50 weekly series over a school year, holidays skipped",
            run=materialise,
            baseline_name="bulk_insert_same_sessions",
            baseline=bulk_insert,
            runs=6,
            warmup=1,
            extra={**dataset, "series": 50, "sessions": len(rows)},
        )
    ]
