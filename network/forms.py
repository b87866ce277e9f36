from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from .models import (
    Commune,
    Delivery,
    MemberProfile,
    MemberStatus,
    NotificationKind,
    Organisation,
)
from .notifications import preferences_of, set_preferences
from .services import INVITABLE_ROLES


class PasswordPairMixin(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def password_user(self) -> User:
        """A throw-away user so that similarity checks see the person's names and e-mail."""
        data = self.cleaned_data
        return User(
            username=data.get("email", ""),
            email=data.get("email", ""),
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
        )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, self.password_user())
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class RegistrationForm(PasswordPairMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("Professional e-mail"),
        help_text=_("With your organisation's address your account is active at once."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(is_active=True),
        empty_label=_("Choose your organisation"),
    )
    function = forms.CharField(label=_("Function"), max_length=120)
    phone = forms.CharField(label=_("Professional phone"), max_length=40, required=False)

    field_order = [
        "first_name",
        "last_name",
        "email",
        "organisation",
        "function",
        "phone",
        "password1",
        "password2",
    ]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()


class AcceptInvitationForm(PasswordPairMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)

    field_order = ["first_name", "last_name", "password1", "password2"]

    def __init__(self, *args, invitation=None, **kwargs):
        self.invitation = invitation
        super().__init__(*args, **kwargs)

    def password_user(self) -> User:
        user = super().password_user()
        if self.invitation is not None:
            user.email = user.username = self.invitation.email
        return user


class ProfileForm(forms.ModelForm):
    """What a member edits about themself on /mon-compte/."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)

    class Meta:
        model = MemberProfile
        # The notification switches are on the notifications page (NotificationSettingsForm).
        fields = ["function", "phone", "preferred_language"]

    field_order = ["first_name", "last_name", *Meta.fields]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].initial = self.instance.user.first_name
        self.fields["last_name"].initial = self.instance.user.last_name

    def save(self, commit: bool = True) -> MemberProfile:
        profile = super().save(commit=commit)
        user = profile.user
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        if commit:
            user.save(update_fields=["first_name", "last_name"])
        return profile


NO_REMINDERS = "off"

KIND_HELP = {
    NotificationKind.ROSTER: _(
        "When you are given or taken off a meeting or a session, when one you staff is moved "
        "or cancelled, and about swaps that concern you."
    ),
    NotificationKind.GAPS: _(
        "For coordinators: support-group meetings that lost a facilitator, with who could "
        "replace them."
    ),
    NotificationKind.APPROVALS: _(
        "Enrolment requests, swaps, certificates to review and registrations waiting for "
        "your decision."
    ),
    NotificationKind.REMINDERS: _(
        "Before your training sessions start, and before one of your certificates expires."
    ),
}


class NotificationSettingsForm(forms.Form):
    """How the signed-in person receives each kind of notification (/mon-compte/notifications/).

    Without a member profile (an administrator account), only the delivery of each kind.
    """

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.profile = MemberProfile.objects.filter(user=user).first()
        chosen = preferences_of(user)
        if self.profile is not None:
            self.fields["notify_by_email"] = forms.BooleanField(
                label=_("Send me notification e-mails"),
                required=False,
                initial=self.profile.notify_by_email,
                help_text=_(
                    "Untick to receive none of the e-mails below; your dashboards still show "
                    "everything. E-mails about your own enrolments, certificates and account "
                    "are always sent."
                ),
            )
        for kind in NotificationKind:
            choices = list(Delivery.choices)
            initial: str = chosen[kind.value]
            if kind == NotificationKind.REMINDERS and self.profile is not None:
                choices.append((NO_REMINDERS, _("No reminders")))
                if not self.profile.notify_reminders:
                    initial = NO_REMINDERS
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=choices,
                initial=initial,
                widget=forms.RadioSelect,
                help_text=KIND_HELP[kind],
            )

    def kind_fields(self):
        return [self[kind.value] for kind in NotificationKind]

    def save(self) -> None:
        data = self.cleaned_data
        deliveries = {
            kind.value: data[kind.value]
            for kind in NotificationKind
            if data[kind.value] != NO_REMINDERS
        }
        has_profile = self.profile is not None
        set_preferences(
            self.user,
            deliveries,
            by_email=data["notify_by_email"] if has_profile else None,
            reminders=data[NotificationKind.REMINDERS.value] != NO_REMINDERS
            if has_profile
            else None,
        )


class InviteForm(forms.Form):
    """The coordinator's invitation form; organisations are limited to their scope."""

    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )
    function = forms.CharField(label=_("Function"), max_length=120, required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(key, role.label) for key, role in INVITABLE_ROLES.items()],
        initial="professional",
    )
    communes = forms.ModelMultipleChoiceField(
        label=_("Communes of action"),
        queryset=Commune.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organisations=None, communes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations
        if communes is not None:
            self.fields["communes"].queryset = communes


class FirstSignInPasswordResetForm(PasswordResetForm):
    """Django's reset form also for an active member who has no password yet.

    Django leaves out accounts without a usable password (they may sign in another way). Here
    such an account is a member added by a coordinator's import, who chooses their password
    through this very link: "forgotten password" is also the first sign-in.
    """

    def get_users(self, email):
        candidates = User._default_manager.filter(email__iexact=email, is_active=True)
        for user in candidates.select_related("member_profile"):
            profile = getattr(user, "member_profile", None)
            first_sign_in = profile is not None and profile.status == MemberStatus.ACTIVE
            if (user.has_usable_password() or first_sign_in) and (
                user.email.casefold() == email.casefold()
            ):
                yield user


class SecondFactorCodeForm(forms.Form):
    """A code of the authenticator app (six digits), or a backup code where `backup` allows."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, backup: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.backup = backup
        if backup:
            self.fields["code"].help_text = _(
                "The six digits shown by your authenticator app, or one of your backup codes."
            )
        else:
            self.fields["code"].help_text = _("The six digits shown by your authenticator app.")
            self.fields["code"].widget.attrs["inputmode"] = "numeric"

    def clean_code(self) -> str:
        from .second_factor import normalise

        code = normalise(self.cleaned_data["code"])
        digits = code.isdigit() and len(code) == 6
        if not digits and not (self.backup and code.isalnum() and len(code) == 8):
            raise forms.ValidationError(
                _("Type the six digits shown by your app.")
                if not self.backup
                else _("Type the six digits shown by your app, or a backup code of 8 characters.")
            )
        return code
