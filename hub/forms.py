from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """The front-end sign-in form, with French messages that do not reveal which field is wrong."""

    username = forms.CharField(
        label=_("Username or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _(
            "This username and password do not match. Check both (the password is "
            "case-sensitive) or reset your password."
        ),
        "inactive": _("This account is deactivated. Contact your coordinator."),
    }
