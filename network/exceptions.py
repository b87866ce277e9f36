from django.utils.translation import gettext_lazy as _


class NetworkError(Exception):
    """A domain error whose message can be shown to the user as it is."""

    default_message = _("This action is not possible.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class NotAllowed(NetworkError):
    default_message = _("You are not allowed to do this.")


class InvitationUnusable(NetworkError):
    default_message = _(
        "This invitation is no longer valid: it was already used, withdrawn or has expired. "
        "Ask your coordinator for a new one."
    )


class EmailAlreadyUsed(NetworkError):
    default_message = _(
        "An account already uses this e-mail address. Sign in, or reset your password."
    )


class RegistrationLinkUnusable(NetworkError):
    default_message = _(
        "This confirmation link is not valid: it is incomplete, was already used or is more "
        "than three days old. Register again, or sign in if your account is active."
    )
