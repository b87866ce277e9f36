"""The network coordination's privacy desk in the Wagtail admin: find a person, export, erase.

Registered from wagtail_hooks.py (`get_urls()` and `menu_item()`); every view answers 403 to
anyone but the network coordination, and the two actions are POST only and audited.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import privacy_services
from .exceptions import NotAllowed
from .models import MemberProfile
from .permissions import is_network_coordination

TITLE = _("Privacy requests")


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, username or e-mail"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )


class ErasureForm(forms.Form):
    """Typing the username is the confirmation: erasure cannot be undone."""

    confirmation = forms.CharField(
        label=_("Type the username to confirm"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, username: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.username = username

    def clean_confirmation(self) -> str:
        typed = self.cleaned_data["confirmation"].strip()
        if typed != self.username:
            raise ValidationError(
                _("This is not the username of this account: nothing was erased."),
                code="mismatch",
            )
        return typed


def forbidden(request: HttpRequest) -> HttpResponse:
    """A plain 403: Wagtail would turn PermissionDenied into a redirect to the dashboard."""
    return TemplateResponse(
        request,
        "network/privacy/forbidden.html",
        {"page_title": TITLE, "header_icon": "lock", "header_title": TITLE},
        status=403,
    )


class CoordinationOnlyMixin:
    """Only the network coordination (superusers included) handles privacy requests."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_network_coordination(request.user):
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class IndexView(CoordinationOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    """Find the person a request is about."""

    template_name = "network/privacy/index.html"
    page_title = TITLE
    header_icon = "lock"

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": TITLE}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = SearchForm(self.request.GET or None)
        query = form.cleaned_data["q"] if form.is_valid() else ""
        context |= {
            "form": form,
            "query": query,
            "people": privacy_services.search_people(query) if query else [],
        }
        return context


class PersonMixin(CoordinationOnlyMixin):
    """A view about one person, found only after the permission check (no probing by id)."""

    person: Any

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_network_coordination(request.user):
            self.person = get_object_or_404(get_user_model(), pk=kwargs["user_id"])
        return super().dispatch(request, *args, **kwargs)


class PersonView(PersonMixin, WagtailAdminTemplateMixin, TemplateView):
    """What the registry holds about the person, with the export and erasure actions."""

    template_name = "network/privacy/person.html"
    page_title = TITLE
    header_icon = "lock"

    def get_page_subtitle(self) -> str:
        return self.person.get_full_name() or self.person.get_username()

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse("network_privacy_index"), "label": TITLE},
            {"url": "", "label": self.get_page_subtitle()},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        refusal = None
        try:
            privacy_services.check_erasure_allowed(self.person, self.request.user)
        except NotAllowed as error:
            refusal = error.message
        held = [
            {
                "label": entry.label,
                "count": len(rows),
                "purpose": entry.purpose,
                "legal_basis": entry.legal_basis,
                "retention": entry.retention,
            }
            for entry, rows in privacy_services.holdings(self.person)
        ]
        context |= {
            "person": self.person,
            "profile": MemberProfile.objects.filter(user=self.person)
            .select_related("organisation")
            .first(),
            "held": [row for row in held if row["count"]],
            "empty": [row["label"] for row in held if not row["count"]],
            "erasure_form": kwargs.get("erasure_form") or ErasureForm(self.person.get_username()),
            "erasure_refusal": refusal,
        }
        return context


class ExportView(PersonMixin, View):
    """Download the person's archive (POST: it writes an audit entry)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, user_id: int) -> HttpResponse:
        archive = privacy_services.export_person(self.person, actor=request.user, origin="admin")
        filename = privacy_services.export_filename(self.person)
        response = HttpResponse(archive, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


class EraseView(PersonView):
    """Erase the person once the username is typed; a wrong confirmation erases nothing."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, user_id: int) -> HttpResponse:
        form = ErasureForm(self.person.get_username(), request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(erasure_form=form))
        try:
            privacy_services.erase_person(self.person, actor=request.user, origin="admin")
        except NotAllowed as error:
            messages.error(request, error.message)
            return redirect("network_privacy_person", user_id=user_id)
        # No name in the message: messages may be stored in the coordinator's session row.
        messages.success(request, _("The account and everything held about it were erased."))
        return redirect("network_privacy_index")


def get_urls() -> list[URLPattern]:
    """Admin URLs, for the register_admin_urls hook (Wagtail adds its admin-access check)."""
    return [
        path("vie-privee/", IndexView.as_view(), name="network_privacy_index"),
        path("vie-privee/<int:user_id>/", PersonView.as_view(), name="network_privacy_person"),
        path(
            "vie-privee/<int:user_id>/export/",
            ExportView.as_view(),
            name="network_privacy_export",
        ),
        path(
            "vie-privee/<int:user_id>/effacer/",
            EraseView.as_view(),
            name="network_privacy_erase",
        ),
    ]


class PrivacyMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return is_network_coordination(request.user)


def menu_item() -> MenuItem:
    """The "Privacy requests" entry of the admin menu, for the network coordination only."""
    return PrivacyMenuItem(
        TITLE,
        reverse_lazy("network_privacy_index"),
        name="network-privacy",
        icon_name="lock",
        order=9100,
    )
