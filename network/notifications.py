"""Notifications a person receives at once or in a daily digest, as they chose per kind.

Higher apps call `notify()` instead of `emails.send()` for the four kinds of `NotificationKind`
(roster changes, meetings lacking facilitators, requests to approve, reminders); every other
e-mail (one's own enrolment, certificate or account) is sent at once, as before.

- Immediately (the default): the e-mail is sent now, with its calendar invitations.
- Daily digest: the item is rendered now, in the person's language (subject, a few lines, the
  link where to act), stored as a `PendingNotification`, and sent with the others of the day by
  `send_digests()`, a due job of `run_due_jobs`: from 07:00 Europe/Brussels
  (`MAILLAGE_DIGEST_HOUR`), at most one digest per person and local day. A digest carries no
  calendar invitation: the personal agenda feed is the calendar's source for those who choose it.
- Whatever the choice, a change to something happening within `URGENT_WITHIN` is sent at once:
  the digest could come too late.
- The profile's switches hold for both: `notify_by_email` off, none of these four kinds is
  e-mailed (the dashboards still show them); `notify_reminders` off, no reminder.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from itertools import groupby
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import emails
from .models import (
    Delivery,
    MemberProfile,
    NotificationKind,
    NotificationPreference,
    PendingNotification,
)

logger = logging.getLogger(__name__)

DIGEST_TEMPLATE = "network/emails/digest"
# A change to a meeting or session starting this soon is e-mailed at once, digest or not:
# the next digest (at most a day away) could arrive after it.
URGENT_WITHIN = timedelta(hours=48)
# Subjects start with the platform's name; inside the digest, which is all Maillage's, it goes.
_PLATFORM_PREFIX = re.compile(r"^\s*Maillage\s*:\s*")


def digest_hour() -> int:
    """The local hour (Europe/Brussels) from which the daily digests are sent."""
    return int(getattr(settings, "MAILLAGE_DIGEST_HOUR", 7))


def digest_time(now: datetime) -> datetime | None:
    """Today's digest time if it has come (local day of `now`), else None."""
    zone = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    start = datetime.combine(local.date(), time(digest_hour()), tzinfo=zone)
    return start if local >= start else None


def _profile(person: Any) -> MemberProfile | None:
    return getattr(person, "member_profile", None)


def receives(person: Any, kind: NotificationKind | str) -> bool:
    """Whether the person is e-mailed this kind at all (reachable, and not switched off)."""
    if person is None or not person.is_active or not person.email:
        return False
    profile = _profile(person)
    if profile is None:
        return True
    if not profile.notify_by_email:
        return False
    return kind != NotificationKind.REMINDERS or profile.notify_reminders


def delivery_for(person: Any, kind: NotificationKind | str) -> Delivery:
    """The person's choice for this kind; immediately unless they chose the digest."""
    value = (
        NotificationPreference.objects.filter(user_id=person.pk, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    return Delivery(value) if value else Delivery.IMMEDIATE


def preferences_of(user: Any) -> dict[str, Delivery]:
    """Every kind's choice for the person (one query)."""
    chosen = dict(
        NotificationPreference.objects.filter(user_id=user.pk).values_list("kind", "delivery")
    )
    return {
        kind.value: Delivery(chosen.get(kind.value, Delivery.IMMEDIATE))
        for kind in NotificationKind
    }


def render_item(template: str, context: Mapping[str, Any], language: str | None) -> tuple[str, str]:
    """A digest item: the e-mail's subject and, when the template has a `<template>_digest.txt`,
    a few lines (the dates concerned, say)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {"base_url": emails.base_url(), **context}
        subject = emails.render_subject(template, context)
        try:
            lines: str = render_to_string(f"{template}_digest.txt", context)
        except TemplateDoesNotExist:
            lines = ""
    text = "\n".join(line.strip() for line in lines.splitlines() if line.strip())
    return _PLATFORM_PREFIX.sub("", subject), text


def notify(
    person: Any,
    kind: NotificationKind | str,
    template: str,
    context: Mapping[str, Any],
    *,
    url: str,
    calendars: list[bytes] | None = None,
    calendar_method: str = "REQUEST",
    happens_at: datetime | None = None,
) -> Delivery | None:
    """E-mail `template` to the person now, or keep it for their daily digest, as they chose.

    `url` is where to act (a path of the site or a full address): the templates receive it as
    `action_url`, and the digest lists it. `calendars` go with an immediate e-mail only.
    `happens_at`, when what changed starts soon (`URGENT_WITHIN`), sends it at once anyway.
    Returns how it went out, or None when the person is not e-mailed this kind.
    """
    kind = NotificationKind(kind)
    if not receives(person, kind):
        return None
    action_url = emails.absolute(url)
    context = {**context, "action_url": action_url}
    language = emails.language_of(person)
    now = timezone.now()
    delivery = delivery_for(person, kind)
    if delivery == Delivery.DIGEST and happens_at is not None and happens_at < now + URGENT_WITHIN:
        delivery = Delivery.IMMEDIATE
    if delivery == Delivery.IMMEDIATE:
        emails.send(
            [person.email],
            template,
            context,
            language=language,
            calendars=calendars,
            calendar_method=calendar_method,
        )
        return Delivery.IMMEDIATE
    subject, text = render_item(template, context, language)
    PendingNotification.objects.create(
        user=person,
        kind=kind,
        subject=subject[:300],
        text=text,
        url=action_url[:500],
        created_at=now,
    )
    return Delivery.DIGEST


@transaction.atomic
def set_preferences(
    user: Any,
    deliveries: Mapping[str, Delivery | str],
    *,
    by_email: bool | None = None,
    reminders: bool | None = None,
) -> None:
    """Record the person's choices: a delivery per kind and, if they have a member profile, the
    switches for all notification e-mails and for reminders (None: unchanged)."""
    for kind, delivery in deliveries.items():
        NotificationPreference.objects.update_or_create(
            user=user,
            kind=NotificationKind(kind),
            defaults={"delivery": Delivery(delivery)},
        )
    switches = {
        name: value
        for name, value in (("notify_by_email", by_email), ("notify_reminders", reminders))
        if value is not None
    }
    if switches:
        MemberProfile.objects.filter(user=user).update(**switches)


def _sections(items: Iterable[PendingNotification]) -> list[dict[str, Any]]:
    """The items grouped by kind, in the order of the kinds."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(
            {"subject": item.subject, "lines": item.text.splitlines(), "url": item.url}
        )
    return [
        {"label": kind.label, "items": by_kind[kind.value]}
        for kind in NotificationKind
        if kind.value in by_kind
    ]


def send_digest(person: Any, items: list[PendingNotification]) -> None:
    """One e-mail with every item waiting for the person, grouped by kind, each with its link."""
    emails.send(
        [person.email],
        DIGEST_TEMPLATE,
        {
            "person": person,
            "sections": _sections(items),
            "count": len(items),
            "preferences_url": emails.absolute(reverse("network:notifications")),
        },
        language=emails.language_of(person),
    )


def send_digests(now: datetime | None = None) -> int:
    """Send today's digests that are due; returns how many people got one.

    Idempotent: nothing before the digest hour, and one digest per person and local day (the
    rows sent today, emptied of their text, say who had theirs). Items arriving later wait
    for the next day. The same few queries whatever the number of people.
    """
    now = now or timezone.now()
    since = digest_time(now)
    if since is None:
        return 0
    had_theirs = PendingNotification.objects.filter(sent_at__gte=since).values("user_id")
    # Claimed in a short transaction, sent outside it: SMTP must not hold the database's
    # write lock, and a second worker (or a run after a crash) never sends them again.
    with transaction.atomic():
        waiting = list(
            PendingNotification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(sent_at__isnull=True, created_at__lte=now, user__is_active=True)
            .exclude(user__email="")
            .exclude(user_id__in=had_theirs)
            .select_related("user__member_profile")
            .order_by("user_id", "created_at", "pk")
        )
        claimed = [item.pk for item in waiting]
        if claimed:
            PendingNotification.objects.filter(pk__in=claimed).update(sent_at=now)
    failed: list[int] = []
    people = 0
    for _user_id, group in groupby(waiting, key=attrgetter("user_id")):
        items = list(group)
        person = items[0].user
        # Switched off since they were kept: dropped, not sent.
        wanted = [item for item in items if receives(person, item.kind)]
        if not wanted:
            continue
        try:
            send_digest(person, wanted)
        except Exception as error:  # one address refused must not hold back the others
            # Only the kind of error: an SMTP message may quote the address.
            logger.warning("Digest not sent to user %s: %s", person.pk, type(error).__name__)
            failed += [item.pk for item in wanted]
            continue
        people += 1
    if failed:  # tried again at the next run
        PendingNotification.objects.filter(pk__in=failed).update(sent_at=None)
    done = sorted(set(claimed) - set(failed))
    if done:
        PendingNotification.objects.filter(pk__in=done).update(subject="", text="", url="")
    return people
