"""Domain errors of certificates/, with messages a user can read."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from network.exceptions import NetworkError


class CertificateError(NetworkError):
    """A domain error of this app, whose message can be shown to the user as it is."""


class NotAllowed(CertificateError):
    default_message = _("You are not allowed to do this.")


class AlreadyIssued(CertificateError):
    default_message = _("This person already holds certificate %(serial)s for it.")

    def __init__(self, message=None, *, serial: str = ""):
        super().__init__(message or self.default_message % {"serial": serial})


class NoTemplate(CertificateError):
    default_message = _(
        "This module has no certificate template in use: create one under Certificates → "
        "Templates first."
    )


class NotCompleted(CertificateError):
    default_message = _("This person has not completed the training.")


class NoHolder(CertificateError):
    default_message = _("The holder's account is deactivated or was erased.")


class ReasonRequired(CertificateError):
    default_message = _("Give a reason: the holder and anyone verifying will see it.")


class AlreadyRevoked(CertificateError):
    default_message = _("This certificate is already revoked.")


class AlreadySuperseded(CertificateError):
    default_message = _("This certificate was already replaced by a newer one.")


class AlreadyDecided(CertificateError):
    default_message = _("Someone already decided on this certificate.")


class ExternalNotReissued(CertificateError):
    default_message = _(
        "An external certificate is not ours to re-issue: correct its record instead."
    )


class IssuerRequired(CertificateError):
    default_message = _("Say who issued the external certificate.")


class WasRevoked(CertificateError):
    default_message = _(
        "This person's certificate %(serial)s for it was revoked: it is not issued again."
    )

    def __init__(self, message=None, *, serial: str = ""):
        super().__init__(message or self.default_message % {"serial": serial})
