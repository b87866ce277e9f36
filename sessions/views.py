"""The personal agenda page and the iCalendar feeds (thin views: permission -> feed -> response)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from network.permissions import can

from . import feeds, tokens
from .models import Assignment, Series, Session

AGENDA_LIMIT = 50


@dataclass(frozen=True)
class AgendaItem:
    """One upcoming session as the agenda page and panel show it, in the series' local time."""

    start: dt.datetime  # naive local time of the series' zone: templates must not convert it
    end: dt.datetime
    title: str
    location: str
    cancelled: bool
    staffed: bool
    ics_url: str


def agenda_items(user, *, limit: int = AGENDA_LIMIT, now: dt.datetime | None = None) -> list:
    """The person's upcoming sessions; staff assigned to a session also see its full address."""
    sessions = list(
        feeds.agenda_sessions(user)
        .upcoming(now)
        .select_related("series", "venue__commune")
        .order_by("start", "uid")[:limit]
    )
    staffed = set(
        Assignment.objects.filter(person=user, session__in=[s.pk for s in sessions]).values_list(
            "session_id", flat=True
        )
    )
    items = []
    for session in sessions:
        zone = session.series.zone
        venue = session.venue
        location = venue.public_location if venue else ""
        if venue and session.pk in staffed and venue.confidential_address:
            location = ", ".join(p for p in (venue.name, venue.address, str(venue.commune)) if p)
        items.append(
            AgendaItem(
                start=timezone.localtime(session.start, zone).replace(tzinfo=None),
                end=timezone.localtime(session.end, zone).replace(tzinfo=None),
                title=session.series.agenda_title,
                location=location,
                cancelled=session.is_cancelled,
                staffed=session.pk in staffed,
                ics_url=reverse("sessions:session_ics", args=[session.uid]),
            )
        )
    return items


def _feed_name() -> str:
    return _("My agenda — Maillage")


@login_required
@require_safe
def agenda(request: HttpRequest) -> HttpResponse:
    subscription = tokens.subscription_for(request.user)
    feed_url = None
    if not subscription.revoked:
        path = reverse("sessions:personal_feed", args=[tokens.token_for(subscription)])
        feed_url = request.build_absolute_uri(path)
    return render(
        request,
        "sessions/agenda.html",
        {
            "items": agenda_items(request.user),
            "limit": AGENDA_LIMIT,
            "feed_url": feed_url,
            "webcal_url": feed_url and "webcal://" + feed_url.split("://", 1)[1],
            "revoked": subscription.revoked,
        },
    )


@login_required
@require_POST
def rotate_feed(request: HttpRequest) -> HttpResponse:
    tokens.rotate(request.user)
    messages.success(
        request,
        _("Your agenda has a new address. Replace the old one in your calendar application."),
    )
    return redirect("sessions:agenda")


@login_required
@require_POST
def revoke_feed(request: HttpRequest) -> HttpResponse:
    tokens.revoke(request.user)
    messages.success(request, _("The address of your agenda no longer works."))
    return redirect("sessions:agenda")


@require_safe
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the token is the credential. Unknown, old or revoked tokens answer 404."""
    subscription = tokens.subscription_from_token(token)
    if subscription is None:
        raise Http404
    sessions = feeds.in_window(feeds.agenda_sessions(subscription.user))
    return feeds.feed_response(request, feeds.Feed(sessions, _feed_name()))


@login_required
@require_safe
def series_feed(request: HttpRequest, series_uid) -> HttpResponse:
    series = Series.objects.filter(uid=series_uid).first()
    if series is None or not can(request.user, "view", series):
        raise Http404
    sessions = feeds.in_window(series.sessions.all())
    return feeds.feed_response(request, feeds.Feed(sessions, series.agenda_title))


def _may_download(user, session: Session) -> bool:
    """Whoever may view the series, and whoever has the session in their own agenda."""
    if can(user, "view", session.series):
        return True
    return feeds.agenda_sessions(user).filter(pk=session.pk).exists()


@login_required
@require_safe
def session_ics(request: HttpRequest, session_uid: str) -> HttpResponse:
    """ "Ajouter à mon agenda": one session as an .ics file."""
    session = (
        Session.objects.select_related("series", "venue__commune").filter(uid=session_uid).first()
    )
    if session is None or not _may_download(request.user, session):
        raise Http404
    feed = feeds.Feed(Session.objects.filter(pk=session.pk), session.series.agenda_title)
    local = timezone.localtime(session.start, session.series.zone)
    return feeds.feed_response(request, feed, filename=f"seance-{local:%Y%m%d-%H%M}.ics")
