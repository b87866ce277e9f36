from django_tasks import task


@task()
def send_enrolment_email_task(kind: str, enrolment_id: int) -> int:
    """One e-mail about an enrolment (confirmation, waitlist, offer, decision...)."""
    from .models import Enrolment
    from .notifications import send_enrolment_email

    enrolment = (
        Enrolment.objects.select_related("run__module", "run__series", "person")
        .filter(pk=enrolment_id)
        .first()
    )
    return send_enrolment_email(kind, enrolment) if enrolment is not None else 0


@task()
def send_interest_email_task(interest_id: int, run_id: int) -> int:
    """Tell a person on an interest list that a run of the module is open."""
    from .models import CourseRun, Interest
    from .notifications import send_interest_email

    interest = Interest.objects.select_related("person").filter(pk=interest_id).first()
    run = CourseRun.objects.select_related("module").filter(pk=run_id).first()
    if interest is None or run is None:
        return 0
    return send_interest_email(interest, run)


@task()
def send_session_change_task(change: str, enrolment_id: int, session_id: int) -> int:
    """Tell an enrolled person that a session of their run was moved or cancelled."""
    from sessions.models import Session

    from .models import Enrolment
    from .notifications import send_session_change

    enrolment = (
        Enrolment.objects.select_related("run__module", "person").filter(pk=enrolment_id).first()
    )
    session = (
        Session.objects.select_related("series__commune", "venue__commune")
        .filter(pk=session_id)
        .first()
    )
    if enrolment is None or session is None:
        return 0
    return send_session_change(change, enrolment, session)


@task()
def expire_offers_task() -> int:
    """Pass on the seats whose offer has expired."""
    from .services import expire_offers

    return expire_offers()


@task()
def send_reminders_task() -> int:
    """Remind confirmed people two days before their run's first session."""
    from .services import send_reminders

    return send_reminders()


@task()
def notify_interest_task() -> int:
    """Tell interest lists that a run of their module is open."""
    from .services import notify_interest

    return notify_interest()


@task()
def close_finished_runs_task() -> int:
    """Mark as not completed the people short of the rule a day after their run ended."""
    from .services import close_finished_runs

    return close_finished_runs()
