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
