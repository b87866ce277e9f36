"""Training at scale: the catalogue /formations/ and "Mon parcours" at x10 and x100 the demo's
modules and runs, each next to Wagtail serving a bare page; and a burst of 200 concurrent
sign-ups on a 20-seat run, next to the same 200 sign-ups made one after another.

`cases()` is a generator: the harness measures the x10 cases before the dataset grows to x100.
BENCH_LMS_FACTORS (default "10,100") changes the sizes, e.g. "2,3" for a quick check.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import threading
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.db.models import F
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.harness import Case
from lms import services
from lms.models import (
    SEAT_HOLDING,
    Audience,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    ModulePage,
    RunStatus,
    TrainingCatalogPage,
)
from network.models import Commune, MemberProfile, Organisation

LEARNER = "bench-learner"
BURST_CODE = "BENCH-BURST"
BURST_SEATS = 20
BURST_PEOPLE = 200


def _max_connections() -> int:
    """How many threads may hold a database connection at once during the burst.

    PostgreSQL refuses clients beyond `max_connections` (100 by default): keep a margin for the
    other connections; SQLite has no such limit.
    """
    if connection.vendor != "postgresql":
        return BURST_PEOPLE
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        allowed = int(cursor.fetchone()[0])
    return max(1, min(BURST_PEOPLE, allowed - 20))


# Production enqueues e-mails in the database; the bench settings run tasks immediately.
PRODUCTION_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The learner's enrolments, in turn: what a long history looks like.
LEARNER_STATUSES = (
    EnrolmentStatus.CONFIRMED,
    EnrolmentStatus.COMPLETED,
    EnrolmentStatus.REQUESTED,
    EnrolmentStatus.CANCELLED,
    EnrolmentStatus.NOT_COMPLETED,
)


def _factors() -> list[int]:
    raw = os.environ.get("BENCH_LMS_FACTORS", "10,100")
    return [int(value) for value in raw.split(",") if value.strip()]


def _demo_size() -> tuple[int, int]:
    """Modules and runs of the demo itself (what the factors multiply)."""
    modules = ModulePage.objects.exclude(code__startswith="BENCH-").count()
    runs = CourseRun.objects.exclude(code__startswith="BENCH-").count()
    return modules, runs


def _grow(factor: int) -> dict[str, int]:
    """Idempotent: bench modules and runs up to `factor` times the demo's."""
    demo_modules, demo_runs = _demo_size()
    catalog = TrainingCatalogPage.objects.get()
    audiences = list(Audience.objects.order_by("pk"))
    have = ModulePage.objects.filter(code__startswith="BENCH-").count()
    for index in range(have, demo_modules * factor - demo_modules):
        page = ModulePage(
            title=f"Module de référence {index}",
            slug=f"bench-module-{index}",
            code=f"BENCH-{index:05d}",
            provider="Pôle Ressources — Réseau wallon de lutte contre les violences entre "
            "partenaires",
            summary="Un module pour mesurer le catalogue à l'échelle : violences entre "
            "partenaires, enfants exposés, travail en réseau.",
            hours=Decimal("6"),
            learning_outcomes="Repérer\nAccueillir\nOrienter",
            body=[
                {"type": "heading", "id": f"bench-{index}-h", "value": "Programme"},
                {"type": "paragraph", "id": f"bench-{index}-p", "value": "<p>Une journée.</p>"},
            ],
        )
        page.audiences = [
            audiences[index % len(audiences)],
            audiences[(index + 3) % len(audiences)],
        ]
        catalog.add_child(instance=page)
    modules = list(ModulePage.objects.filter(code__startswith="BENCH-").order_by("code"))
    communes = list(Commune.objects.order_by("pk"))
    have_runs = CourseRun.objects.filter(code__startswith="BENCH-R").count()
    today = timezone.localdate()
    for index in range(have_runs, demo_runs * factor - demo_runs):
        run = CourseRun.objects.create(
            module=modules[index % len(modules)],
            code=f"BENCH-R{index:05d}",
            commune=communes[index % len(communes)],
            capacity=12,
        )
        day = today + dt.timedelta(days=30 + index % 300)
        services.schedule_run(run, [(day, dt.time(9, 0))], duration_minutes=360)
    # A database grown to a larger factor by an earlier bench: what lies beyond this factor
    # is unpublished and cancelled, so that each factor measures its own size.
    live = [m.pk for m in modules[: demo_modules * factor - demo_modules]]
    ModulePage.objects.filter(code__startswith="BENCH-").exclude(pk__in=live).update(live=False)
    ModulePage.objects.filter(pk__in=live).update(live=True)
    planned = CourseRun.objects.filter(code__startswith="BENCH-R").order_by("code")
    planned = list(planned.values_list("pk", flat=True)[: demo_runs * factor - demo_runs])
    bench_runs = CourseRun.objects.filter(code__startswith="BENCH-R")
    bench_runs.exclude(pk__in=planned).update(status=RunStatus.CANCELLED)
    bench_runs.filter(pk__in=planned).update(status=RunStatus.PLANNED)
    return {
        "factor": factor,
        "modules": ModulePage.objects.live().count(),
        "course_runs": CourseRun.objects.planned().count(),  # "runs": the harness's samples
        "upcoming_runs": CourseRun.objects.upcoming().count(),
    }


def _learner(enrolments: int):
    """A professional with `enrolments` enrolments in bench runs (seats counted alike)."""
    user, _created = get_user_model().objects.get_or_create(
        username=LEARNER, defaults={"email": "learner@bench.example", "first_name": "Apprenante"}
    )
    MemberProfile.objects.get_or_create(
        user=user, defaults={"organisation": Organisation.objects.get(name="CPAS d'Esneux")}
    )
    beyond = list(Enrolment.objects.filter(person=user).order_by("run__code")[enrolments:])
    for extra in beyond:  # left by a bench at a larger factor
        if extra.holds_seat:
            CourseRun.objects.filter(pk=extra.run_id).update(seats_taken=F("seats_taken") - 1)
        extra.delete()
    have = Enrolment.objects.filter(person=user).count()
    runs = list(
        CourseRun.objects.planned()
        .filter(code__startswith="BENCH-R")
        .exclude(enrolments__person=user)
        .order_by("code")[: max(enrolments - have, 0)]
    )
    now = timezone.now()
    rows = []
    for index, run in enumerate(runs, start=have):
        status = LEARNER_STATUSES[index % len(LEARNER_STATUSES)]
        rows.append(
            Enrolment(
                run=run,
                person=user,
                status=status,
                requested_at=now - dt.timedelta(days=index),
                completed_at=now if status == EnrolmentStatus.COMPLETED else None,
            )
        )
    Enrolment.objects.bulk_create(rows)
    holding = [row.run_id for row in rows if row.status in SEAT_HOLDING]
    CourseRun.objects.filter(pk__in=holding).update(seats_taken=F("seats_taken") + 1)
    return user


def _page_cases(factor: int, dataset: dict, bare_page) -> list[Case]:
    size = _grow(factor)
    learner = _learner(2 * factor)  # the demo professional has two enrolments
    catalog_client = Client(HTTP_HOST="localhost")
    catalog_client.force_login(get_user_model().objects.get(username="professionnelle"))
    dashboard_client = Client(HTTP_HOST="localhost")
    dashboard_client.force_login(learner)

    def catalogue() -> None:
        response = catalog_client.get("/formations/")
        assert response.status_code == 200, response.status_code

    def dashboard() -> None:
        response = dashboard_client.get("/mon-parcours/")
        assert response.status_code == 200, response.status_code

    extra = {**dataset, **size}
    return [
        Case(
            name=f"lms_catalogue_x{factor}",
            description=f"GET /formations/ as the demo professional, x{factor} the demo's "
            "modules and runs, server side",
            run=catalogue,
            baseline_name="wagtail_bare_page",
            baseline=bare_page,
            runs=30,
            extra=extra,
        ),
        Case(
            name=f"lms_dashboard_x{factor}",
            description=f"GET /mon-parcours/ for a professional with {2 * factor} enrolments "
            f"(x{factor} the demo professional's)",
            run=dashboard,
            baseline_name="wagtail_bare_page",
            baseline=bare_page,
            runs=30,
            extra={**extra, "enrolments": Enrolment.objects.filter(person=learner).count()},
        ),
    ]


def _burst_case(dataset: dict) -> Case:
    module = ModulePage.objects.get(code="PR-CVP")
    run, _created = CourseRun.objects.get_or_create(
        code=BURST_CODE,
        defaults={
            "module": module,
            "commune": Commune.objects.order_by("pk").first(),
            "capacity": BURST_SEATS,
        },
    )
    if run.series_id is None:
        day = timezone.localdate() + dt.timedelta(days=60)
        services.schedule_run(run, [(day, dt.time(9, 0))], duration_minutes=360)
    people = list(
        get_user_model()
        .objects.filter(username__startswith="bench-", member_profile__status="active")
        .exclude(username=LEARNER)
        .order_by("pk")[:BURST_PEOPLE]
    )
    assert len(people) == BURST_PEOPLE, len(people)
    bursts: list[float] = []
    parallel = _max_connections()
    # The harness copies `extra` into the result after the runs: each burst updates it.
    extra: dict = {
        **dataset,
        "people": BURST_PEOPLE,
        "seats": BURST_SEATS,
        "invariant_held": True,
        "errors": 0,
        "connections_at_once": parallel,
    }

    def reset() -> None:
        from django_tasks_db.models import DBTaskResult

        Enrolment.objects.filter(run=run).delete()
        CourseRun.objects.filter(pk=run.pk).update(seats_taken=0)
        DBTaskResult.objects.filter(task_path="lms.tasks.send_enrolment_email_task").delete()

    def check(errors: int) -> None:
        run.refresh_from_db()
        confirmed = Enrolment.objects.filter(run=run, status=EnrolmentStatus.CONFIRMED).count()
        positions = sorted(
            Enrolment.objects.filter(run=run, status=EnrolmentStatus.WAITLISTED).values_list(
                "waitlist_position", flat=True
            )
        )
        held = (
            errors == 0
            and confirmed == BURST_SEATS
            and run.seats_taken == BURST_SEATS
            and positions == list(range(1, BURST_PEOPLE - BURST_SEATS + 1))
        )
        extra["invariant_held"] = extra["invariant_held"] and held
        extra["errors"] += errors
        extra.update(confirmed=confirmed, waitlisted=len(positions), seats_taken=run.seats_taken)

    def concurrent() -> None:
        reset()
        started: list[float] = []
        barrier = threading.Barrier(
            BURST_PEOPLE, action=lambda: started.append(time.perf_counter())
        )
        outcomes: list[tuple[str, int]] = [("", 0)] * BURST_PEOPLE
        gate = threading.BoundedSemaphore(parallel)

        def sign_up(index: int) -> None:
            try:
                barrier.wait()
                with gate:
                    try:
                        with CaptureQueriesContext(connections["default"]) as captured:
                            services.enrol(people[index], run, origin="bench")
                        outcomes[index] = ("ok", len(captured))
                    finally:
                        connections.close_all()
            except Exception as error:  # counted, never hidden
                outcomes[index] = (type(error).__name__, 0)

        with override_settings(TASKS=PRODUCTION_TASKS):
            threads = [threading.Thread(target=sign_up, args=(i,)) for i in range(BURST_PEOPLE)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        bursts.append(time.perf_counter() - started[0])
        median = statistics.median(bursts)
        queries = sum(count for _status, count in outcomes)
        # Sign-ups run on the threads' connections: their queries, not the main thread's.
        extra.update(
            queries=queries,
            queries_per_signup=round(queries / BURST_PEOPLE, 1),
            bursts=len(bursts),
            burst_median_s=median,
            rows_per_s=round(BURST_PEOPLE / median, 1),
        )
        check(sum(status != "ok" for status, _count in outcomes))

    def sequential() -> None:
        reset()
        with override_settings(TASKS=PRODUCTION_TASKS):
            for person in people:
                services.enrol(person, run, origin="bench")

    return Case(
        name="lms_signup_burst_200",
        description=f"{BURST_PEOPLE} sign-ups at once (one thread and connection each) on a "
        f"{BURST_SEATS}-seat run: {BURST_SEATS} confirmed, the rest waitlisted 1..N",
        run=concurrent,
        baseline_name="sequential_200_signups",
        baseline=sequential,
        runs=3,  # each burst takes seconds: one per round, no warm-up
        warmup=0,
        extra=extra,
    )


def cases(dataset: dict):
    client = Client(HTTP_HOST="localhost")

    def bare_page() -> None:
        response = client.get("/bench-bare/")
        assert response.status_code == 200, response.status_code

    for factor in _factors():
        yield from _page_cases(factor, dataset, bare_page)
    yield _burst_case(dataset)
    connection.close()
