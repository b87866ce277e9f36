from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.template.loader import render_to_string
from django.views.generic import TemplateView

from network.registries import dashboard_panels

from .forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # The person's language follows them from device to device.
        language = getattr(
            getattr(form.get_user(), "member_profile", None), "preferred_language", None
        )
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
            )
        return response


class DashboardView(LoginRequiredMixin, TemplateView):
    """ "Mon parcours": the panels that the installed apps register, in their order."""

    template_name = "hub/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        panels = []
        for panel in dashboard_panels:
            panel_context = panel.get_context(self.request)
            if panel_context is not None:
                html = render_to_string(panel.template, panel_context, request=self.request)
                panels.append({"panel": panel, "html": html})
        context["panels"] = panels
        return context
