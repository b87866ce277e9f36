from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, UpdateView

from . import services
from .exceptions import NetworkError
from .forms import (
    AcceptInvitationForm,
    NotificationSettingsForm,
    ProfileForm,
    RegistrationForm,
)
from .models import MemberProfile
from .notifications import digest_hour

BACKEND = "network.backends.UsernameOrEmailBackend"


class RegisterView(FormView):
    """Self-registration: active at once with the organisation's e-mail domain, else pending."""

    template_name = "network/register.html"
    form_class = RegistrationForm

    @method_decorator(sensitive_post_parameters("password1", "password2"))
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("dashboard")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            profile = services.register_member(
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                organisation=data["organisation"],
                function=data["function"],
                phone=data["phone"],
                password=data["password1"],
            )
        except NetworkError as error:
            form.add_error("email", error.message)
            return self.form_invalid(form)
        return render(self.request, "network/register_check_email.html", {"profile": profile})


class ConfirmRegistrationView(View):
    """The link of the confirmation e-mail: proves the address, then activates or waits."""

    def get(self, request, token):
        try:
            profile = services.confirm_registration(token)
        except NetworkError as error:
            return render(
                request, "network/invitation_unusable.html", {"message": error.message}, status=404
            )
        if profile.user.is_active:
            login(request, profile.user, backend=BACKEND)
            messages.success(request, _("Welcome! Your account is active."))
            return redirect("dashboard")
        return render(request, "network/register_pending.html", {"profile": profile})


class AcceptInvitationView(FormView):
    template_name = "network/accept_invitation.html"
    form_class = AcceptInvitationForm

    @method_decorator(sensitive_post_parameters("password1", "password2"))
    def dispatch(self, request, *args, **kwargs):
        try:
            self.invitation = services.find_invitation(kwargs["token"])
        except NetworkError as error:
            return render(
                request, "network/invitation_unusable.html", {"message": error.message}, status=404
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["invitation"] = self.invitation
        return kwargs

    def get_initial(self):
        return {"first_name": self.invitation.first_name, "last_name": self.invitation.last_name}

    def get_context_data(self, **kwargs):
        return super().get_context_data(invitation=self.invitation, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = services.accept_invitation(
                self.kwargs["token"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
            )
        except NetworkError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        login(self.request, user, backend=BACKEND)
        messages.success(self.request, _("Welcome! Your account is ready."))
        return redirect("dashboard")


class ProfileView(LoginRequiredMixin, UpdateView):
    """ "Mon compte": the member edits their own profile and preferences."""

    template_name = "network/profile.html"
    form_class = ProfileForm

    def get_object(self, queryset=None):
        return get_object_or_404(MemberProfile, user=self.request.user)

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your profile is saved."))
        language = form.cleaned_data["preferred_language"]
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
        )
        return response

    def get_success_url(self):
        return reverse("network:profile")


class NotificationSettingsView(LoginRequiredMixin, FormView):
    """The signed-in person chooses, per kind, an e-mail each time or a daily digest."""

    template_name = "network/notifications.html"
    form_class = NotificationSettingsForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(digest_hour=digest_hour(), **kwargs)

    def form_valid(self, form):
        form.save()
        messages.success(self.request, _("Your notification preferences are saved."))
        return redirect("network:notifications")
