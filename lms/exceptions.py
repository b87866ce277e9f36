"""Domain errors of lms/, with messages a user can read."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from network.exceptions import NetworkError


class EnrolmentError(NetworkError):
    """A domain error of this app, whose message can be shown to the user as it is."""


class NotAllowed(EnrolmentError):
    default_message = _("You are not allowed to do this.")


class NotAMember(EnrolmentError):
    default_message = _(
        "Only active members of a partner organisation can enrol. Ask your organisation's "
        "referent or the coordination to confirm your membership."
    )


class RunCancelled(EnrolmentError):
    default_message = _("This run has been cancelled: choose another date.")


class WindowNotOpen(EnrolmentError):
    default_message = _("Enrolment for this run is not open yet.")


class WindowClosed(EnrolmentError):
    default_message = _("Enrolment for this run is closed.")


class NotInAudience(EnrolmentError):
    default_message = _(
        "This run is reserved for organisations of %(communes)s; yours does not serve them."
    )


class MissingPrerequisites(EnrolmentError):
    default_message = _("Complete these modules first: %(modules)s.")


class AlreadyEnrolled(EnrolmentError):
    default_message = _("You are already enrolled in this run.")


class AlreadyInModule(EnrolmentError):
    default_message = _(
        "You are already enrolled in another run of this module (%(code)s): cancel it first."
    )


class TooLateToCancel(EnrolmentError):
    default_message = _(
        "The cancellation deadline (%(deadline)s) has passed: please contact the coordination."
    )


class WrongStatus(EnrolmentError):
    default_message = _("This enrolment is no longer in a state that allows this.")


class OfferExpired(EnrolmentError):
    default_message = _("This seat offer has expired and was passed on.")


class NoSeatLeft(EnrolmentError):
    default_message = _("No seat is free in this run.")


class ReasonRequired(EnrolmentError):
    default_message = _("Give a reason: the person will read it.")


class InvalidAttendance(EnrolmentError):
    default_message = _("The hours attended must be between 0 and the session's length.")


class SessionNotStarted(EnrolmentError):
    default_message = _("Attendance can be taken once the session has started.")


class SessionCancelled(EnrolmentError):
    default_message = _("This session is cancelled: there is no attendance to take.")


class ModuleNotPublished(EnrolmentError):
    default_message = _("This module is not published: enrolment is not possible.")
