"""Plain-text e-mails, rendered in the recipient's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation


def language_of(person) -> str | None:
    """The language a person reads their e-mails in (their profile's choice), or None for
    the site's default."""
    profile = getattr(person, "member_profile", None)
    return getattr(profile, "preferred_language", None) or None


def base_url() -> str:
    """The site's address, without a trailing slash, that every link in an e-mail starts with."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def absolute(url: str) -> str:
    """A full address for a link in an e-mail: a path of the site, or an address as it is."""
    if url.startswith(("http://", "https://")):
        return url
    return f"{base_url()}/{url.lstrip('/')}"


def render_subject(template: str, context: dict) -> str:
    """`<template>_subject.txt` on one line (in the active language)."""
    return " ".join(render_to_string(f"{template}_subject.txt", context).split())


def send(
    to: list[str],
    template: str,
    context: dict,
    language: str | None = None,
    *,
    calendar: bytes | None = None,
    calendar_method: str = "REQUEST",
    calendars: list[bytes] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> None:
    """Render `<template>_subject.txt` and `<template>.txt` and send them.

    `calendar`, an iTIP message (METHOD:REQUEST or CANCEL), is attached so that mail clients
    offer to add, update or remove the event; `calendars` attaches several (one per event);
    `attachments` are (file name, content, MIME type) triples.
    """
    if not to:
        return
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {"base_url": base_url(), **context}
        subject = render_subject(template, context)
        body = render_to_string(f"{template}.txt", context)
    message = EmailMessage(subject, body, None, to)
    attached = ([calendar] if calendar is not None else []) + list(calendars or [])
    for number, payload in enumerate(attached, start=1):
        message.attach(
            "invitation.ics" if len(attached) == 1 else f"invitation-{number}.ics",
            payload,
            f"text/calendar; method={calendar_method}; charset=UTF-8",
        )
    for name, content, mimetype in attachments or []:
        message.attach(name, content, mimetype)
    message.send()
