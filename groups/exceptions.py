"""Domain errors of groups/, with messages a user can read."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from network.exceptions import NetworkError


class GroupsError(NetworkError):
    """A domain error of this app, whose message can be shown to the user as it is."""


class NotAllowed(GroupsError):
    default_message = _("You are not allowed to do this.")


class NotAGroupMeeting(GroupsError):
    default_message = _("This session is not a meeting of a support group.")


class NoSeatLeft(GroupsError):
    default_message = _("Every facilitator seat of this meeting is already taken.")


class NotEligible(GroupsError):
    """The first hard problem, in the roster engine's words."""
