"""Plain-text e-mails, rendered in the recipient's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


def send(to: list[str], template: str, context: dict, language: str | None = None) -> None:
    """Render `<template>_subject.txt` and `<template>.txt` and send them."""
    if not to:
        return
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {"base_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/"), **context}
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    send_mail(subject, body, None, to)
