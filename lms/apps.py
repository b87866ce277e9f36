from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    """Training catalogue, course runs, enrolments, attendance and completion."""

    name = "lms"
    label = "maillage_lms"
    verbose_name = _("Training")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from network import permissions, registries
        from sessions import registries as session_registries
        from sessions.signals import session_changed

        from . import panels, privacy, resources, resources_enrolments, rules, services, tasks
        from .models import (
            Attendance,
            CourseRun,
            Enrolment,
            Evaluation,
            Interest,
            PathCompletion,
        )
        from .roles import grant_permissions

        permissions.register(CourseRun, rules.CourseRunRule())
        permissions.register(Enrolment, rules.EnrolmentRule())
        permissions.register(Attendance, rules.AttendanceRule())
        permissions.register(Evaluation, rules.EvaluationRule())
        permissions.register(Interest, rules.PersonalRule())
        permissions.register(PathCompletion, rules.PersonalRule())
        privacy.register()
        resources.register()  # the import kind "attendance"
        resources_enrolments.register()  # the import kind "enrolments"
        grant_permissions()

        session_registries.register_busy_time_provider(services.attended_sessions)
        session_registries.register_feed_provider(services.attended_sessions)
        session_registries.register_session_keeper(services.sessions_with_attendance)
        session_changed.connect(
            _session_changed, dispatch_uid="lms.notify_enrolled_of_session_change"
        )

        panels.register()
        registries.navigation.register(
            registries.NavEntry(
                key="training", label=_("Training courses"), url="/formations/", order=100
            )
        )
        for key, description, interval, task in (
            ("lms.expire_offers", _("Pass on expired seat offers"), 5, tasks.expire_offers_task),
            (
                "lms.reminders",
                _("Remind people two days before their training"),
                30,
                tasks.send_reminders_task,
            ),
            (
                "lms.interest",
                _("Tell interest lists that a run is open"),
                30,
                tasks.notify_interest_task,
            ),
            (
                "lms.close_finished_runs",
                _("Close finished runs (not completed)"),
                60,
                tasks.close_finished_runs_task,
            ),
        ):
            registries.due_jobs.register(
                registries.DueJob(
                    key=key,
                    description=description,
                    interval=timedelta(minutes=interval),
                    task=task,
                )
            )


def _session_changed(sender, session, change, **kwargs) -> None:
    from .services import notify_session_change

    notify_session_change(session, change)
