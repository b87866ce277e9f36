"""lms/ in the privacy registry: enrolments, attendance, evaluations and interest lists."""

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
    "Ten years after the run (proof of training for employers and the network), then deleted; "
    "erased with the account."
)


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
    )
    privacy.register(
        Evaluation,
        purpose=_("Improving the training; shown to coordinators as totals per run."),
        legal_basis=privacy.PUBLIC_TASK,
        retention=_("Five years after the run; erased with the account."),
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
        retention=_("Until the person is told or withdraws; erased with the account."),
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
        retention=TRAINING_RECORD,
        export=lambda user: [
            privacy.values(p, ["path", "completed_at"])
            for p in PathCompletion.objects.filter(person=user)
        ],
        erase=lambda user: privacy.delete_rows(PathCompletion.objects.filter(person=user)),
    )
