"""E-mails about enrolments, sent by django-tasks once the transaction has committed.

What leaves the building: the module's title, dates, the venue's public location; the online
link only to people holding a seat. Each e-mail goes to one person, in their language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.urls import NoReverseMatch, reverse

# Kinds of e-mail about one enrolment; each has lms/emails/<kind>.txt and <kind>_subject.txt.
KINDS = (
    "confirmed",
    "waitlisted",
    "offered",
    "offer_expired",
    "requested",
    "approval_needed",
    "approved",
    "rejected",
    "cancelled",
    "run_cancelled",
    "reminder",
    "completed",
)
WITH_INVITATION = {"confirmed", "reminder"}
# An e-mail is sent after the commit, by a worker: by then the enrolment may have moved on
# (waitlisted, then offered a seat at once). These kinds are only sent while still true.
STILL_TRUE = {
    "confirmed": ("confirmed", "completed", "not_completed"),
    "reminder": ("confirmed",),
    "waitlisted": ("waitlisted",),
    "offered": ("offered",),
    "requested": ("requested",),
    "approval_needed": ("requested",),
}
WITH_CANCELLATION = {"cancelled", "run_cancelled", "offer_expired"}


_muted: ContextVar[bool] = ContextVar("lms_notifications_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """No e-mail about what happens inside (demo data: fake people are not written to)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def is_muted() -> bool:
    """Whether e-mails are held back here (`muted`): higher apps honour it too."""
    return _muted.get()


def later(kind: str, enrolment) -> None:
    """Queue the e-mail `kind` about `enrolment` once the current transaction commits."""
    if kind not in KINDS:
        raise ValueError(kind)
    if _muted.get():
        return
    from .tasks import send_enrolment_email_task

    enrolment_id = enrolment.pk
    transaction.on_commit(lambda: send_enrolment_email_task.enqueue(kind, enrolment_id))


def later_interest(interest, run) -> None:
    if _muted.get():
        return
    from .tasks import send_interest_email_task

    ids = (interest.pk, run.pk)
    transaction.on_commit(lambda: send_interest_email_task.enqueue(*ids))


def later_session(change: str, enrolment, session) -> None:
    if _muted.get():
        return
    from .tasks import send_session_change_task

    ids = (change, enrolment.pk, session.pk)
    transaction.on_commit(lambda: send_session_change_task.enqueue(*ids))


def _local(moment: dt.datetime | None, zone) -> dict[str, str]:
    if moment is None:
        return {"date": "", "time": ""}
    local = moment.astimezone(zone)
    return {"date": f"{local:%d/%m/%Y}", "time": f"{local:%H:%M}"}


def session_lines(run) -> list[dict[str, str]]:
    from sessions.models import SessionStatus

    lines = []
    for session in (
        run.sessions()
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("series", "venue__commune")
    ):
        zone = session.series.zone
        lines.append(
            {
                **_local(session.start, zone),
                "end": _local(session.end, zone)["time"],
                "place": session.venue.public_location if session.venue else "",
            }
        )
    return lines


def invitations(run, person, method: str) -> list[bytes]:
    """One iTIP message per session (one UID per message, as RFC 5546 expects)."""
    from sessions.feeds import invitation
    from sessions.models import SessionStatus

    sessions = run.sessions().select_related("series__commune", "venue__commune")
    if method == "REQUEST":
        sessions = sessions.exclude(status=SessionStatus.CANCELLED)
    return [invitation(session, person, method=method) for session in sessions]


def _path(name: str, fallback: str = "dashboard") -> str:
    """A site path for a link in an e-mail; a missing route must not stop the e-mail."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return reverse(fallback)


def page_path(page) -> str:
    """The page's path on its site, to follow `base_url` (Page.url is absolute on multi-site)."""
    parts = page.get_url_parts()
    return parts[2] if parts else ""


def context_for(enrolment) -> dict:
    run = enrolment.run
    zone = run.series.zone if run.series_id else None
    holds_seat = enrolment.holds_seat
    return {
        "person": enrolment.person,
        "enrolment": enrolment,
        "run": run,
        "module_title": run.module.title,
        "module_url": page_path(run.module),
        "sessions": session_lines(run),
        "online_link": run.online_link if holds_seat else "",
        "offer_expires": _local(enrolment.offer_expires_at, zone) if zone else {},
        "position": enrolment.waitlist_position,
        "reason": enrolment.reason or run.cancel_reason,
        "dashboard_path": _path("dashboard"),
        "requests_path": _path("lms:requests"),
    }


def _admin_run_path(run) -> str:
    try:
        return reverse("lms_runs:inspect", args=[run.pk])
    except NoReverseMatch:
        return reverse("wagtailadmin_home")


def send_enrolment_email(kind: str, enrolment) -> int:
    """Send one kind of e-mail about an enrolment; returns how many were sent (or kept for a
    daily digest: requests to approve and reminders go as each person chose)."""
    from network import emails
    from network.models import NotificationKind
    from network.notifications import notify

    from .services import approvers_of, may_manage

    person = enrolment.person
    if kind in STILL_TRUE and enrolment.status not in STILL_TRUE[kind]:
        return 0
    context = context_for(enrolment)
    if kind == "approval_needed":
        sent = 0
        for approver in approvers_of(enrolment):
            # Coordinators decide in the admin, on the run's page; referents on the front end.
            where = (
                _admin_run_path(enrolment.run)
                if may_manage(approver, enrolment.run)
                else context["requests_path"]
            )
            if notify(
                approver,
                NotificationKind.APPROVALS,
                "lms/emails/approval_needed",
                {**context, "approver": approver, "requests_path": where},
                url=where,
                happens_at=enrolment.run.starts_at,
            ):
                sent += 1
        return sent
    if not (person.is_active and person.email):
        return 0
    if kind == "reminder":
        # A reminder, as the person chose: at once, in their daily digest, or not at all.
        told = notify(
            person,
            NotificationKind.REMINDERS,
            "lms/emails/reminder",
            context,
            url=context["dashboard_path"],
            calendars=invitations(enrolment.run, person, "REQUEST"),
            # A reminder is about a session within days: never after it, in tomorrow's digest.
            happens_at=enrolment.run.starts_at,
        )
        return 1 if told else 0
    calendars: list[bytes] = []
    method = "REQUEST"
    if kind in WITH_INVITATION or (kind == "approved" and enrolment.holds_seat):
        calendars = invitations(enrolment.run, person, "REQUEST")
    elif kind in WITH_CANCELLATION:
        method = "CANCEL"
        calendars = invitations(enrolment.run, person, "CANCEL")
    emails.send(
        [person.email],
        f"lms/emails/{kind}",
        context,
        language=emails.language_of(person),
        calendars=calendars,
        calendar_method=method,
    )
    return 1


def send_interest_email(interest, run) -> int:
    from network import emails

    person = interest.person
    if not (person.is_active and person.email):
        return 0
    emails.send(
        [person.email],
        "lms/emails/interest_open",
        {
            "person": person,
            "run": run,
            "module_title": run.module.title,
            "module_url": page_path(run.module),
            "sessions": session_lines(run),
        },
        language=emails.language_of(person),
    )
    return 1


def send_session_change(change: str, enrolment, session) -> int:
    from network import emails
    from sessions.feeds import invitation

    person = enrolment.person
    if not (person.is_active and person.email):
        return 0
    zone = session.series.zone
    method = "CANCEL" if change == "cancelled" else "REQUEST"
    emails.send(
        [person.email],
        f"lms/emails/session_{change}",
        {
            "person": person,
            "run": enrolment.run,
            "module_title": enrolment.run.module.title,
            "when": _local(session.start, zone),
            "end": _local(session.end, zone)["time"],
            "place": session.venue.public_location if session.venue else "",
            "reason": session.reason,
            "dashboard_path": _path("dashboard"),
        },
        language=emails.language_of(person),
        calendars=[invitation(session, person, method=method)],
        calendar_method=method,
    )
    return 1
