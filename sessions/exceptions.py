"""Domain errors of sessions/, with messages a user can read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from network.exceptions import NetworkError

if TYPE_CHECKING:
    from .conflicts import ConflictCheck


class SessionsError(NetworkError):
    """A domain error of this app, whose message can be shown to the user as it is."""


class NotAllowed(SessionsError):
    default_message = _("You are not allowed to do this.")


class AlreadyAssigned(SessionsError):
    default_message = _("This person is already assigned to this session.")


class SessionCancelled(SessionsError):
    default_message = _("This session is cancelled: nobody can be assigned to it.")


class AssignmentRefused(SessionsError):
    """A hard conflict: absent or busy at that time. No override is possible."""

    def __init__(self, check: ConflictCheck):
        self.check = check
        reasons = " ".join(str(problem.message) for problem in check.hard)
        super().__init__(_("This person cannot be assigned: %(reasons)s") % {"reasons": reasons})


class OverrideRequired(SessionsError):
    """A soft conflict: the assignment needs a reason for overriding the warning."""

    def __init__(self, check: ConflictCheck):
        self.check = check
        reasons = " ".join(str(problem.message) for problem in check.soft)
        super().__init__(
            _("Give a reason to assign this person anyway: %(reasons)s") % {"reasons": reasons}
        )


class ClosureImportError(SessionsError):
    default_message = _("This file cannot be imported.")
