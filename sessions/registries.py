"""Extension points of sessions/ that higher apps fill in their AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

# Functions (sessions queryset) -> ids of sessions that must survive a regeneration because a
# higher app holds something about them (training attendance, group attendance...).
session_keepers: list[Callable[[QuerySet], set[int]]] = []


def register_session_keeper(keeper: Callable[[QuerySet], set[int]]) -> None:
    if keeper not in session_keepers:
        session_keepers.append(keeper)


# Busy-time providers: (user, start, end) -> sessions the person attends in that window as a
# participant, registered by higher apps (lms: the runs they are enrolled in). The conflict
# service asks them for OVERLAP.
busy_time_providers: list[Callable] = []

# Feed providers: (user) -> queryset of Session to add to the person's agenda feed
# (lms: sessions of the runs they are enrolled in).
feed_providers: list[Callable] = []


def register_busy_time_provider(provider: Callable) -> None:
    if provider not in busy_time_providers:
        busy_time_providers.append(provider)


def register_feed_provider(provider: Callable) -> None:
    if provider not in feed_providers:
        feed_providers.append(provider)
