"""Forms of the certificates admin, and the small helpers its screens and its export share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from lms.admin_forms import local_label, person_label
from lms.models import ModulePage
from network import permissions

from . import forms as certificate_forms
from .models import PLACEHOLDERS, Certificate, State

SCAN_MAX_BYTES = 5 * 1024 * 1024
# What a scan starts with: PDF, PNG, JPEG (the extension alone proves nothing).
SCAN_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]


class DateInput(forms.DateInput):
    """The browser's own date picker: Wagtail's AdminDateInput writes an inline script, which
    the coming Content-Security-Policy forbids."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def day_label(day: dt.date | None) -> str:
    """A date the Belgian way: 14/10/2026."""
    return day.strftime("%d/%m/%Y") if day else ""


def state_label(state: State) -> str:
    return str(state.label).capitalize()


def _placeholder_help() -> str:
    names = "; ".join(
        _("%(placeholder)s: %(meaning)s") % {"placeholder": "{" + name + "}", "meaning": meaning}
        for name, meaning in PLACEHOLDERS.items()
    )
    return _(
        "Placeholders you may use, replaced when a certificate is issued: %(names)s. "
        "A certificate keeps the text it was issued with."
    ) % {"names": names}


placeholder_help = lazy(_placeholder_help, str)


# --- holders ---------------------------------------------------------------------------------


def holder_candidates(user):
    """Active people whose external certificates `user` may record: for a commune coordinator
    the members they manage (network's member rule), for the network coordination everyone."""
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .select_related("member_profile__organisation")
        .order_by("last_name", "first_name", "username")
    )
    communes = permissions.coordinated_commune_ids(user)
    if communes is None:
        return people
    if not communes:
        return people.none()
    from .rules import managed_members

    return people.filter(pk__in=managed_members(user))


def holder_label(user) -> str:
    profile = getattr(user, "member_profile", None)
    name = person_label(user)
    return f"{name} ({profile.organisation.name})" if profile is not None else name


# --- external certificates -------------------------------------------------------------------


class HoursField(forms.DecimalField):
    """Hours as they are typed in Belgium, 6,5 or 6.5, whatever the language of the admin."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("\xa0", "").replace(" ", "")
            if "," in value and "." not in value:
                value = value.replace(",", ".")
        return super().to_python(value)


class ExternalCertificateForm(forms.Form):
    """A certificate issued elsewhere, as a coordinator records it (with an optional scan)."""

    holder = forms.ModelChoiceField(
        label=gettext_lazy("Holder"), queryset=get_user_model().objects.none()
    )
    module = forms.ModelChoiceField(
        label=gettext_lazy("Module"),
        queryset=ModulePage.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "The module of our catalogue it stands for, if any: it then counts as a "
            "qualification for that module."
        ),
    )
    title = forms.CharField(
        label=gettext_lazy("Title of the training"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("Empty: the title of the module."),
    )
    issuer_name = forms.CharField(
        label=gettext_lazy("Issued by"),
        max_length=200,
        help_text=gettext_lazy("The organisation that issued the certificate."),
    )
    issued_on = forms.DateField(
        label=gettext_lazy("Date of issue"),
        input_formats=DATE_INPUT_FORMATS,
        widget=DateInput,
    )
    hours = HoursField(
        label=gettext_lazy("Hours"),
        min_value=0,
        max_value=99999,
        max_digits=6,
        decimal_places=1,
        help_text=gettext_lazy("E.g. 6,5."),
    )
    reference = forms.CharField(
        label=gettext_lazy("Reference"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("The number printed on the certificate, if it has one."),
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=DateInput,
        help_text=gettext_lazy(
            "Empty: as long as the module's certificates are valid, or without end."
        ),
    )
    scan = forms.FileField(
        label=gettext_lazy("Scan"),
        required=False,
        help_text=gettext_lazy("PDF, JPG or PNG, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = holder_candidates(user)
        self.fields["holder"].label_from_instance = holder_label
        self.fields["module"].queryset = ModulePage.objects.order_by("title")

    def clean_issued_on(self) -> dt.date:
        day = self.cleaned_data["issued_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date of issue cannot be in the future."))
        return day

    def clean_scan(self):
        scan = self.cleaned_data.get("scan")
        if not scan:
            return None
        extension = scan.name.rsplit(".", 1)[-1].lower() if "." in scan.name else ""
        if extension not in SCAN_SIGNATURES:
            raise forms.ValidationError(_("Send the scan as a PDF, JPG or PNG file."))
        if scan.size > SCAN_MAX_BYTES:
            raise forms.ValidationError(
                _("The scan is too large (%(size)s MB): at most 5 MB.")
                % {"size": f"{scan.size / 1024 / 1024:.1f}"}
            )
        head = scan.read(16)
        scan.seek(0)
        if not head.startswith(SCAN_SIGNATURES[extension]):
            raise forms.ValidationError(
                _("This file is not a real %(kind)s: send the scan itself.")
                % {"kind": extension.upper()}
            )
        return scan

    def clean(self):
        data = super().clean()
        if not data.get("module") and not (data.get("title") or "").strip():
            self.add_error("title", _("Give the title of the training, or choose its module."))
        issued_on, valid_until = data.get("issued_on"), data.get("valid_until")
        if issued_on and valid_until and valid_until < issued_on:
            self.add_error("valid_until", _("The end of validity is before the date of issue."))
        return data


# --- revoking, declining ---------------------------------------------------------------------


class RevokeForm(certificate_forms.RevokeForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown on the verification page and to the holder."),
    )


class DeclineForm(certificate_forms.DeclineForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept with the request; the holder sees that it was declined."),
    )


# --- templates -------------------------------------------------------------------------------


class CertificateTemplateForm(WagtailAdminModelForm):
    """The model's clean() and its constraints say the same thing: show it once."""

    def _post_clean(self):
        super()._post_clean()
        errors = self._errors.get(NON_FIELD_ERRORS) if self._errors else None
        if errors:
            seen, unique = set(), []
            for error in errors.data:
                key = tuple(error.messages) if isinstance(error, ValidationError) else error
                if key not in seen:
                    seen.add(key)
                    unique.append(error)
            errors.data[:] = unique


# --- export ----------------------------------------------------------------------------------


def export_header() -> list[str]:
    return [
        _("Number"),
        _("Holder"),
        _("Achievement"),
        _("Kind"),
        _("Issued by (organisation)"),
        _("Hours"),
        _("Issued at"),
        _("Valid from"),
        _("Valid until"),
        _("State"),
        _("Commune"),
        _("Course run"),
        _("Reason for revoking"),
        _("Verification link"),
    ]


def export_rows(certificates: Iterable[Certificate], today: dt.date):
    for c in certificates:
        yield (
            c.serial or c.reference,
            c.holder_name,
            c.title,
            c.get_kind_display(),
            c.issuer_name,
            formats.number_format(c.hours),
            local_label(c.issued_at),
            day_label(c.valid_from),
            day_label(c.valid_until),
            state_label(c.state(today)),
            c.commune.name if c.commune_id else "",
            c.run.code if c.run_id else "",
            c.revocation_reason,
            "" if c.is_external else c.verification_url(),
        )
