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
