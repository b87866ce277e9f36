"""Forms of certificates/ shared by the public views and the admin."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{16,32}$")


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=300,
        help_text=_("The code printed under the QR code, or the whole verification link."),
    )

    def clean_code(self) -> str:
        value = self.cleaned_data["code"].strip()
        # A pasted link: keep its last path segment.
        if "/" in value:
            segments = [s for s in urlsplit(value).path.split("/") if s]
            value = segments[-1] if segments else ""
        if not CODE_RE.match(value):
            raise forms.ValidationError(
                _("This is not a verification code: it has 24 letters, digits, - or _.")
            )
        return value


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Shown on the verification page and to the holder."),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
