"""Receivers of other apps' events; `connect()` is called from SessionsConfig.ready()."""

from __future__ import annotations

from django.dispatch import Signal

from network.signals import member_deactivated

from . import tokens

# Sent after a coordinator moved or cancelled one session (services_staff.move / cancel);
# kwargs: session, change ("moved" or "cancelled"). lms tells the people enrolled.
session_changed = Signal()


def revoke_feed_of_deactivated_member(sender, user, **kwargs) -> None:
    """A deactivated member's agenda URL stops working at once (DESIGN "iCalendar feeds")."""
    tokens.revoke(user)


def connect() -> None:
    member_deactivated.connect(
        revoke_feed_of_deactivated_member, dispatch_uid="sessions.revoke_feed_on_deactivation"
    )
