"""The coordinators' dashboards (admin home) and the "Rapports" page at 10 and 100 times the
demo's training activity, next to Wagtail serving a bare page (the home case's baseline).

The demo's professionals, runs, completed enrolments, certificates and support-group meetings
of the next 30 days are counted, then rows are added until there are 10 (then 100) times as
many. The cases are yielded one size at a time: the x100 rows are added after the x10 cases
are measured. Query counts, in each result, stay the same from x10 to x100.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from bench.harness import Case
from certificates.models import Certificate
from groups.models import Cycle, CycleStatus, Programme
from lms.models import CourseRun, Enrolment, EnrolmentStatus, ModulePage
from network.models import Commune, MemberProfile, Organisation
from sessions.models import Series, Session, Venue

PREFIX = "bench-dash-"


def _demo_sizes() -> dict[str, int]:
    now = timezone.now()
    return {
        "professionals": MemberProfile.objects.exclude(user__username__startswith="bench").count(),
        "runs": CourseRun.objects.exclude(code__startswith=PREFIX).count(),
        "completed": Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED)
        .exclude(run__code__startswith=PREFIX)
        .count(),
        "certificates": Certificate.objects.exclude(code__startswith="BD").count(),
        "group_meetings_30_days": Session.objects.filter(
            series__support_cycle__isnull=False,
            start__gte=now,
            start__lt=now + dt.timedelta(days=30),
        )
        .exclude(series__title__startswith=PREFIX)
        .count(),
    }


def _grow(base: dict[str, int], factor: int) -> dict[str, int]:
    """Add rows until each count is `factor` times the demo's (idempotent)."""
    user_model = get_user_model()
    now = timezone.now()
    today = timezone.localdate()
    communes = list(Commune.objects.order_by("pk"))
    organisations = list(Organisation.objects.order_by("pk"))
    modules = list(ModulePage.objects.order_by("pk"))

    # Professionals, each active in one or two communes.
    wanted = base["professionals"] * (factor - 1)
    have = user_model.objects.filter(username__startswith=PREFIX).count()
    users = user_model.objects.bulk_create(
        user_model(username=f"{PREFIX}{n}", first_name="Pro", last_name=f"Tableau {n}")
        for n in range(have, wanted)
    )
    profiles = MemberProfile.objects.bulk_create(
        MemberProfile(user=user, organisation=organisations[user.pk % len(organisations)])
        for user in users
    )
    links = MemberProfile.communes.through
    links.objects.bulk_create(
        links(memberprofile_id=p.pk, commune_id=communes[(p.pk + step) % len(communes)].pk)
        for p in profiles
        for step in range(1 + p.pk % 2)
    )
    people = list(
        user_model.objects.filter(username__startswith=PREFIX).values_list("pk", flat=True)
    )

    # Runs: most in the past year, some in the next weeks.
    wanted = base["runs"] * (factor - 1)
    have = CourseRun.objects.filter(code__startswith=PREFIX).count()
    CourseRun.objects.bulk_create(
        CourseRun(
            module=modules[n % len(modules)],
            code=f"{PREFIX}{n}",
            commune=communes[n % len(communes)],
            capacity=20,
            seats_taken=n % 21,
            starts_at=now + dt.timedelta(days=60 - (n * 7) % 420),
            ends_at=now + dt.timedelta(days=61 - (n * 7) % 420),
        )
        for n in range(have, wanted)
    )
    runs = list(CourseRun.objects.filter(code__startswith=PREFIX).values_list("pk", flat=True))

    # Completed enrolments over the past year; (run, person) pairs never repeat.
    wanted = base["completed"] * (factor - 1)
    have = Enrolment.objects.filter(run__code__startswith=PREFIX).count()
    taken = set(
        Enrolment.objects.filter(run__code__startswith=PREFIX).values_list("run_id", "person_id")
    )
    pairs = []
    for n in itertools.count():
        if len(pairs) >= wanted - have:
            break
        pair = (runs[n % len(runs)], people[(n // len(runs) + n) % len(people)])
        if pair not in taken:
            taken.add(pair)
            pairs.append(pair)
    Enrolment.objects.bulk_create(
        Enrolment(
            run_id=run,
            person_id=person,
            status=EnrolmentStatus.COMPLETED,
            completed_at=now - dt.timedelta(days=(run * 13 + person) % 360),
        )
        for run, person in pairs
    )

    # Certificates, a share of them expiring in the coming weeks.
    wanted = base["certificates"] * (factor - 1)
    have = Certificate.objects.filter(code__startswith="BD").count()
    Certificate.objects.bulk_create(
        Certificate(
            holder_id=people[n % len(people)],
            module=modules[n % len(modules)],
            commune=communes[n % len(communes)],
            title=modules[n % len(modules)].title,
            valid_from=today - dt.timedelta(days=300),
            valid_until=today + dt.timedelta(days=n % 180),
            serial=f"BD-{n:07d}",
            code=f"BD{n:010d}",
            subject_uuid=uuid.uuid4(),
            content={"holder_name": f"Pro Tableau {n}"},
        )
        for n in range(have, wanted)
    )

    # Support-group meetings of the next 30 days, unstaffed, in cycles of ten meetings.
    wanted = base["group_meetings_30_days"] * (factor - 1)
    have = Session.objects.filter(series__title__startswith=PREFIX).count()
    if wanted > have:
        programme, _created = Programme.objects.get_or_create(
            name=f"{PREFIX}programme", defaults={"audience": "children"}
        )
        venue = Venue.objects.order_by("pk").first()
        sessions = []
        for number in range(have // 10, (wanted + 9) // 10):
            commune = communes[number % len(communes)]
            series = Series.objects.create(
                title=f"{PREFIX}{number}",
                public_title=f"Groupe enfants — {commune.name}",
                commune=commune,
                venue=venue,
                mode=Series.Mode.DATES,
                start_date=today + dt.timedelta(days=1),
                start_time=dt.time(16, 0),
                duration_minutes=90,
            )
            Cycle.objects.create(
                programme=programme,
                name=f"{PREFIX}{number}",
                commune=commune,
                venue=venue,
                series=series,
                status=CycleStatus.RUNNING,
            )
            for day in range(10):
                start = now + dt.timedelta(days=1 + (number + day * 3) % 29, hours=day % 5)
                sessions.append(
                    Session(
                        series=series,
                        start=start,
                        end=start + dt.timedelta(minutes=90),
                        original_start=start,
                        venue=venue,
                        uid=Session.make_uid(series, start),
                    )
                )
        Session.objects.bulk_create(sessions)
    return {f"{name}_x{factor}": count * factor for name, count in base.items()}


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def cases(dataset: dict) -> Iterator[Case]:
    base = _demo_sizes()
    coordination = Client(HTTP_HOST="localhost")
    coordination.force_login(get_user_model().objects.get(username="coordination"))
    commune = Client(HTTP_HOST="localhost")
    commune.force_login(get_user_model().objects.get(username="coord-esneux"))
    bare = Client(HTTP_HOST="localhost")
    today = timezone.localdate()
    report = f"/admin/rapports/?first_day={today.year - 1}-01-01&last_day={today.isoformat()}"

    for factor in (10, 100):
        sizes = _grow(base, factor)
        extra = {**dataset, "demo": base, **sizes}
        for name, client, url, description in (
            ("dashboard_network", coordination, "/admin/", "admin home, network coordination"),
            ("dashboard_commune", commune, "/admin/", "admin home, Esneux's coordinator"),
            ("report_page", coordination, report, "Rapports, last year and this year"),
        ):
            yield Case(
                name=f"{name}_x{factor}",
                description=f"GET {url.split('?')[0]} ({description}) at x{factor} the demo",
                run=lambda client=client, url=url: _get(client, url),
                baseline_name="wagtail_bare_page",
                baseline=lambda: _get(bare, "/bench-bare/"),
                runs=15,
                warmup=1,
                extra=extra,
            )
