from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm


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


class AdminLoginForm(WagtailLoginForm):
    """Wagtail's sign-in form, its password field labelled: Wagtail leaves the label to the
    field's name, so that it reads "Password" in every language."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("Password")
