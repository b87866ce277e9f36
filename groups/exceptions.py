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


class AbsenceDates(GroupsError):
    default_message = _("The last day comes before the first day.")


class NotYourMeeting(GroupsError):
    default_message = _("You do not facilitate this meeting.")


class MeetingPast(GroupsError):
    default_message = _("This meeting has already taken place.")


class MeetingNotYet(GroupsError):
    default_message = _("Attendance can be taken from two hours before the meeting.")


class SwapWithYourself(GroupsError):
    default_message = _("Choose a colleague other than yourself.")


class SwapPending(GroupsError):
    default_message = _("A swap of this meeting is already awaiting approval.")


class SwapDecided(GroupsError):
    default_message = _("This swap has already been decided or withdrawn.")


class NotOnTheSheet(GroupsError):
    default_message = _("Someone on the sheet is not expected at this meeting.")


class UnknownAttendanceStatus(NotOnTheSheet):
    """A subclass, so that callers catching NotOnTheSheet catch it too."""

    default_message = _("Mark each child present, absent or excused.")
