"""lms/ in the privacy registry: enrolments, attendance, evaluations and interest lists."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from network import privacy

from .models import (
    Attendance,
    Audience,
    CourseRun,
    Enrolment,
    Evaluation,
    Interest,
    ModulePage,
    PathCompletion,
    PathModule,
    TrainingCatalogPage,
    TrainingPathPage,
)

TRAINING_RECORD = _(
    "Ten years after the run (proof of training for employers and the network), then deleted "
    "by a daily due job; erased with the account."
)
TRAINING_YEARS = 10
EVALUATION_YEARS = 5
# Someone told that a run opened may still follow the link of the e-mail for a while.
TOLD_INTEREST_DAYS = 30


def _runs_ended_before(cutoff: dt.datetime):
    """Enrolments of runs whose last session ended before the cutoff (or, without sessions,
    created before it)."""
    return Enrolment.objects.alias(run_end=Coalesce("run__ends_at", "run__created_at")).filter(
        run_end__lt=cutoff
    )


def purge_training_records(now: dt.datetime) -> int:
    """Enrolments (their attendance and evaluation with them) ten years after the run. The
    run keeps its anonymous count of seats taken."""
    old = _runs_ended_before(now - relativedelta(years=TRAINING_YEARS))
    return privacy.delete_rows(
        Enrolment.objects.filter(pk__in=list(old.values_list("pk", flat=True)))
    )


def purge_path_completions(now: dt.datetime) -> int:
    cutoff = now - relativedelta(years=TRAINING_YEARS)
    return privacy.delete_rows(PathCompletion.objects.filter(completed_at__lt=cutoff))


def purge_evaluations(now: dt.datetime) -> int:
    old = _runs_ended_before(now - relativedelta(years=EVALUATION_YEARS))
    return privacy.delete_rows(
        Evaluation.objects.filter(enrolment__in=list(old.values_list("pk", flat=True)))
    )


def purge_told_interests(now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=TOLD_INTEREST_DAYS)
    return privacy.delete_rows(Interest.objects.filter(notified_at__lt=cutoff))


def _erase_enrolments(user) -> int:
    """Seats held go back through the service, so the waitlist moves on."""
    from . import services

    return services.erase_enrolments(user)


def register() -> None:
    """Declare lms' models (called from LmsConfig.ready(); idempotent)."""
    for model, reason in (
        (Audience, "a public a module is meant for"),
        (TrainingCatalogPage, "a public page"),
        (ModulePage, "a public page describing a module"),
        (TrainingPathPage, "a public page describing a path"),
        (PathModule, "a module's place in a path"),
        (CourseRun, "a dated offering; who attends is held by enrolments"),
    ):
        privacy.declare_no_personal_data(model, reason)
    privacy.register(
        Enrolment,
        purpose=_("Organising training: seats, waiting lists, approvals and completion."),
        legal_basis=privacy.PUBLIC_TASK,
        retention=TRAINING_RECORD,
        purge=purge_training_records,
        export=lambda user: [
            privacy.values(
                e,
                [
                    "run",
                    "status",
                    "waitlist_position",
                    "requested_at",
                    "decided_at",
                    "cancelled_at",
                    "completed_at",
                    "reason",
                ],
            )
            for e in Enrolment.objects.filter(person=user).select_related("run__module")
        ],
        erase=_erase_enrolments,
    )
    privacy.register(
        Attendance,
        purpose=_("Knowing who attended each session, to decide completion."),
        legal_basis=privacy.PUBLIC_TASK,
        retention=TRAINING_RECORD,
        export=lambda user: [
            privacy.values(a, ["session", "status", "hours", "marked_at"])
            for a in Attendance.objects.filter(enrolment__person=user).select_related(
                "session__series"
            )
        ],
        erase=lambda user: privacy.delete_rows(Attendance.objects.filter(enrolment__person=user)),
        # Deleted with its enrolment.
        purge_job="retention.maillage_lms.enrolment",
    )
    privacy.register(
        Evaluation,
        purpose=_("Improving the training; shown to coordinators as totals per run."),
        legal_basis=privacy.PUBLIC_TASK,
        retention=_(
            "Five years after the run, then deleted by a daily due job; erased with the account."
        ),
        purge=purge_evaluations,
        export=lambda user: [
            privacy.values(
                e, ["enrolment", "relevance", "clarity", "trainers", "organisation", "comment"]
            )
            for e in Evaluation.objects.filter(enrolment__person=user)
        ],
        erase=lambda user: privacy.delete_rows(Evaluation.objects.filter(enrolment__person=user)),
    )
    privacy.register(
        Interest,
        purpose=_("Telling a person when a run of a module they asked about opens."),
        legal_basis=privacy.PUBLIC_TASK,
        retention=_(
            "Until the person withdraws, or is told that a run opens (then deleted 30 days "
            "later by a daily due job); erased with the account."
        ),
        purge=purge_told_interests,
        export=lambda user: [
            privacy.values(i, ["module", "created_at", "notified_at"])
            for i in Interest.objects.filter(person=user)
        ],
        erase=lambda user: privacy.delete_rows(Interest.objects.filter(person=user)),
    )
    privacy.register(
        PathCompletion,
        purpose=_("Recording that a person completed a training path."),
        legal_basis=privacy.PUBLIC_TASK,
        retention=_(
            "Ten years after the path was completed (proof of training), then deleted by a "
            "daily due job; erased with the account."
        ),
        purge=purge_path_completions,
        export=lambda user: [
            privacy.values(p, ["path", "completed_at"])
            for p in PathCompletion.objects.filter(person=user)
        ],
        erase=lambda user: privacy.delete_rows(PathCompletion.objects.filter(person=user)),
    )
