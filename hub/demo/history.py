"""Demo history: a year of past training runs, so that the coordinators' dashboards and the
"Rapports" page show a trend, figures per commune and kind of organisation, and evaluations.

Eight runs held over the last eleven months (fixed codes HIST-01…, moved with the day the demo
is loaded), attended by 32 professionals of their own (`histo-01`…, not the `pro-` accounts the
tests count on), their completions and a few evaluations written as rows (no e-mail, no
certificate). Idempotent and deterministic for a given day.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db.models import Q

from lms.models import (
    SEAT_HOLDING,
    Approval,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
    ModulePage,
)
from network import roles
from network.models import Commune, Organisation, OrganisationKind
from sessions.models import Venue

from . import network, training

PEOPLE = 32
# (months ago, module code, commune, venue, how many completed)
RUNS = (
    (11, "PR-VEP", "Aywaille", "Salle de formation du CPAS d'Aywaille", 9),
    (9, "PR-DOM", "Sprimont", "Salle polyvalente de l'hôtel de ville", 7),
    (8, "PR-DEP", "Trooz", "Salle du conseil communal", 8),
    (6, "PR-CVP", "Aywaille", "Salle de formation du CPAS d'Aywaille", 6),
    (5, "PR-VEP", "Sprimont", "Salle polyvalente de l'hôtel de ville", 10),
    (4, "PR-EVD", "Trooz", "Salle du conseil communal", 5),
    (3, "RES-SEC", "Aywaille", "Salle de formation du CPAS d'Aywaille", 8),
    (2, "PR-DOM", "Trooz", "Salle du conseil communal", 7),
)
# Ratings (relevance, clarity, trainers, organisation) given after the runs that have some.
RATINGS = (
    (5, 4, 5, 4),
    (4, 4, 5, 3),
    (5, 5, 5, 4),
    (3, 4, 4, 4),
    (4, 5, 4, 5),
    (5, 4, 4, 4),
)
EVALUATED = {0, 2, 4, 6}  # indexes of RUNS whose participants answered


def _day(today: dt.date, months_ago: int) -> dt.date:
    """A Tuesday about `months_ago` months before today."""
    day = today - dt.timedelta(days=30 * months_ago)
    return day - dt.timedelta(days=(day.weekday() - 1) % 7)


def _people(communes: dict[str, Commune], organisations: dict[str, Organisation]) -> list:
    password_hash = make_password(settings.MAILLAGE_DEMO_PASSWORD, salt="maillagedemo")
    plain = sorted(
        (o for o in organisations.values() if o.kind != OrganisationKind.TRAINING),
        key=lambda o: o.name,
    )
    people = []
    for number in range(PEOPLE):
        organisation = plain[(number * 3) % len(plain)]
        served = list(organisation.communes.order_by("name"))
        people.append(
            network._ensure_member(
                f"histo-{number + 1:02d}",
                *network._person(300 + number),
                organisation,
                network.FUNCTIONS.get(organisation.kind, "Professionnel·le"),
                roles.PROFESSIONAL,
                served[number % max(1, len(served)) :][:2] or served[:1],
                password_hash,
            )
        )
    return people


def load_history(
    communes: dict[str, Commune], organisations: dict[str, Organisation], today: dt.date
) -> dict[str, int]:
    people = _people(communes, organisations)
    users = [getattr(p, "user", p) for p in people]
    modules = {m.code: m for m in ModulePage.objects.filter(code__in={r[1] for r in RUNS})}
    venues = {v.name: v for v in Venue.objects.filter(name__in={r[3] for r in RUNS})}
    trainer = training._users(["formatrice"]).get("formatrice")
    completed = 0
    for index, (months_ago, code, commune, venue, count) in enumerate(RUNS):
        day = _day(today, months_ago)
        run = training._run(
            modules[code],
            f"HIST-{index + 1:02d}",
            communes[commune],
            venues[venue],
            capacity=12,
            approval=Approval.AUTOMATIC,
            online_link="",
            min_participants=4,
        )
        training._schedule(run, [day], training.NINE, 360)
        if trainer is not None:
            training._staff(run, [trainer])
        session = run.sessions().get()
        chosen = [users[(index * 5 + n) % len(users)] for n in range(count)]
        for person in chosen:
            enrolment, created = Enrolment.objects.get_or_create(
                run=run,
                person=person,
                defaults={
                    "status": EnrolmentStatus.COMPLETED,
                    "requested_at": session.start - dt.timedelta(days=21),
                    "completed_at": session.end,
                    "updated_at": session.end,
                },
            )
            if not created and enrolment.completed_at != session.end:
                Enrolment.objects.filter(pk=enrolment.pk).update(
                    completed_at=session.end, updated_at=session.end
                )
            if index in EVALUATED and person in chosen[: len(RATINGS)]:
                relevance, clarity, trainers_, organisation = RATINGS[chosen.index(person)]
                Evaluation.objects.update_or_create(
                    enrolment=enrolment,
                    defaults={
                        "relevance": relevance,
                        "clarity": clarity,
                        "trainers": trainers_,
                        "organisation": organisation,
                        "submitted_at": session.end + dt.timedelta(days=2),
                    },
                )
        Enrolment.objects.filter(Q(run=run) & ~Q(person__in=chosen)).delete()
        taken = Enrolment.objects.filter(run=run, status__in=SEAT_HOLDING).count()
        if run.seats_taken != taken:
            CourseRun.objects.filter(pk=run.pk).update(seats_taken=taken)
        completed += count
    return {"history_runs": len(RUNS), "history_completions": completed}
