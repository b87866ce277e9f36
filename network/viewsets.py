"""Wagtail admin screens of the network: members, organisations, communes, invitations, audit."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from . import audit, export_views, exports, import_views, permissions, second_factor, services
from .admin_views import ScopedEditView, ScopedIndexView, ScopedModelViewSet
from .exceptions import NetworkError
from .forms import InviteForm
from .models import AuditEntry, Commune, Invitation, MemberProfile, MemberStatus, Organisation


def _scoped_organisations(user):
    return services.invitable_organisations(user)


def _scoped_communes(user):
    own = permissions.coordinated_commune_ids(user)
    return Commune.objects.all() if own is None else Commune.objects.filter(pk__in=own)


# --- members ----------------------------------------------------------------------------


class MemberAdminForm(WagtailAdminModelForm):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.instance.user if self.instance.pk else None
        if user is not None:
            for name in ("first_name", "last_name", "email"):
                self.fields[name].initial = getattr(user, name)
        if self.for_user is not None and "organisation" in self.fields:
            allowed = Q(pk__in=_scoped_organisations(self.for_user).values("pk"))
            if self.instance.pk:
                allowed |= Q(pk=self.instance.organisation_id)
            self.fields["organisation"].queryset = Organisation.objects.filter(allowed)
        if self.for_user is not None and "communes" in self.fields:
            self.fields["communes"].queryset = _scoped_communes(self.for_user)

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        others = get_user_model().objects.filter(email__iexact=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.user_id)
        if others.exists():
            raise forms.ValidationError(_("Another account already uses this e-mail address."))
        return email

    def clean_communes(self):
        """Communes outside the coordinator's own stay as they were: they cannot see them."""
        chosen = set(self.cleaned_data["communes"])
        if self.for_user is not None and self.instance.pk:
            visible_ids = set(_scoped_communes(self.for_user).values_list("pk", flat=True))
            kept = {c for c in self.instance.communes.all() if c.pk not in visible_ids}
            chosen |= kept
        return Commune.objects.filter(pk__in=[c.pk for c in chosen])

    def save(self, commit=True):
        profile = super().save(commit=commit)
        user = profile.user
        for name in ("first_name", "last_name", "email"):
            setattr(user, name, self.cleaned_data[name])
        if commit:
            user.save(update_fields=["first_name", "last_name", "email"])
        return profile


class MemberFilterSet(WagtailFilterSet):
    organisation = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Organisation"), queryset=Organisation.objects.all()
    )
    # At most a line: SQLite refuses a LIKE pattern over 50,000 bytes (a 500 otherwise).
    function = django_filters.CharFilter(
        label=gettext_lazy("Function"), lookup_expr="icontains", max_length=200
    )
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=MemberStatus.choices)

    class Meta:
        model = MemberProfile
        fields = ["organisation", "function", "status"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["organisation"].queryset = permissions.visible(
                request.user, Organisation, "change"
            )


class MemberIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "organisation")

    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if _scoped_organisations(self.request.user).exists():
            buttons.append(
                HeaderButton(
                    _("Invite a member"), url=reverse("network_members:invite"), icon_name="mail"
                )
            )
            buttons.append(
                HeaderButton(
                    _("Pending invitations"),
                    url=reverse("network_members:invitations"),
                    icon_name="list-ul",
                )
            )
        url = reverse("network_members:export")
        buttons.extend(export_views.export_buttons(self.request, export_views.MEMBERS, url))
        buttons.extend(import_views.import_buttons(self.request, "members"))
        return buttons


class MemberEditView(ScopedEditView):
    def save_instance(self):
        instance = super().save_instance()
        audit.record("member.update", instance, actor=self.request.user, origin="admin")
        return instance

    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        profile = self.object
        if profile.user_id == self.request.user.pk:
            return buttons
        for action, label, states in (
            ("approve", _("Approve the registration"), {MemberStatus.PENDING}),
            ("reject", _("Reject the registration"), {MemberStatus.PENDING}),
            ("deactivate", _("Deactivate"), {MemberStatus.ACTIVE}),
            ("reactivate", _("Reactivate"), {MemberStatus.DEACTIVATED}),
        ):
            if profile.status in states:
                buttons.append(
                    HeaderButton(label, url=reverse(f"network_members:{action}", args=[profile.pk]))
                )
        if second_factor.has_device(profile.user):
            buttons.append(
                HeaderButton(
                    _("Reset the second factor"),
                    url=reverse("network_members:reset_second_factor", args=[profile.pk]),
                )
            )
        return buttons


MEMBER_ACTIONS = {
    "approve": (services.approve_registration, gettext_lazy("The registration is approved.")),
    "reject": (services.reject_registration, gettext_lazy("The registration is rejected.")),
    "deactivate": (
        services.deactivate_member,
        gettext_lazy("The member is deactivated: they can no longer sign in."),
    ),
    "reactivate": (services.reactivate_member, gettext_lazy("The member is active again.")),
    "reset_second_factor": (
        second_factor.reset_for_member,
        gettext_lazy(
            "The second factor is reset: the member chooses a new password through “Forgotten "
            "password?” (a link sent to their mailbox), then sets up a new app."
        ),
    ),
}

MEMBER_ACTION_QUESTIONS = {
    "approve": gettext_lazy("Approve the registration of %(name)s?"),
    "reject": gettext_lazy("Reject the registration of %(name)s?"),
    "deactivate": gettext_lazy(
        "Deactivate %(name)s? They will be signed out everywhere and can no longer sign in. "
        "Nothing is deleted."
    ),
    "reactivate": gettext_lazy("Reactivate %(name)s?"),
    "reset_second_factor": gettext_lazy(
        "Reset the second factor of %(name)s (a lost phone)? They will be signed out everywhere, "
        "choose a new password through the link e-mailed by “Forgotten password?”, then set up "
        "a new app. Check first that the request comes from them."
    ),
}


class MemberViewSet(ScopedModelViewSet):
    model = MemberProfile
    icon = "group"
    menu_label = gettext_lazy("Members")
    url_prefix = "membres"
    url_namespace = "network_members"
    index_view_class = MemberIndexView
    edit_view_class = MemberEditView
    filterset_class = MemberFilterSet
    search_fields = ["user__first_name", "user__last_name", "user__email", "function"]
    search_backend_name = None
    list_display = [
        "__str__",
        Column("email", label=gettext_lazy("E-mail"), accessor="user.email"),
        "organisation",
        "function",
        "status",
    ]
    edit_handler = ObjectList(
        [
            FieldPanel("first_name"),
            FieldPanel("last_name"),
            FieldPanel("email"),
            FieldPanel("organisation"),
            FieldPanel("function"),
            FieldPanel("phone"),
            FieldPanel("communes", widget=forms.CheckboxSelectMultiple),
            FieldPanel("preferred_language"),
            FieldPanel("notify_by_email"),
            FieldPanel("notify_reminders"),
        ],
        base_form_class=MemberAdminForm,
    )

    def get_common_view_kwargs(self, **kwargs):
        # Members join by invitation or registration: no "add" screen (see get_urlpatterns).
        return {**super().get_common_view_kwargs(**kwargs), "add_url_name": None}

    def get_urlpatterns(self):
        # Members join by invitation or registration, never by an empty "add" form.
        inherited = [p for p in super().get_urlpatterns() if p.name != "add"]
        return [
            *inherited,
            path("inviter/", self.invite_view, name="invite"),
            path("export/", self.export_view, name="export"),
            path("invitations/", self.invitations_view, name="invitations"),
            path(
                "invitations/<int:pk>/retirer/",
                self.revoke_invitation_view,
                name="revoke_invitation",
            ),
            *[
                path(f"{action}/<int:pk>/", self.member_action_view(action), name=action)
                for action in MEMBER_ACTIONS
            ],
        ]

    def export_view(self, request):
        rows = export_views.listing_queryset(self, request)
        return exports.export_for(
            request, export_views.MEMBERS, rows, exports.requested_format(request)
        )

    def _require_coordinator(self, request):
        if not _scoped_organisations(request.user).exists():
            raise PermissionDenied

    def invite_view(self, request):
        self._require_coordinator(request)
        organisations = _scoped_organisations(request.user)
        form = InviteForm(
            request.POST or None,
            organisations=organisations,
            communes=_scoped_communes(request.user),
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.invite_member(
                    request.user,
                    email=data["email"],
                    organisation=data["organisation"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    function=data["function"],
                    role=data["role"],
                    communes=list(data["communes"]),
                )
            except NetworkError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("The invitation was sent to %(email)s.") % {"email": data["email"]},
                )
                return redirect("network_members:invitations")
        return TemplateResponse(
            request,
            "network/admin/invite.html",
            {
                "form": form,
                "page_title": _("Invite a member"),
                "header_title": _("Invite a member"),
                "header_icon": "mail",
            },
        )

    def invitations_view(self, request):
        self._require_coordinator(request)
        invitations = (
            permissions.visible(request.user, Invitation, "view")
            .pending()
            .select_related("organisation", "invited_by")
        )
        return TemplateResponse(
            request,
            "network/admin/invitations.html",
            {
                "invitations": invitations,
                "page_title": _("Pending invitations"),
                "header_title": _("Pending invitations"),
                "header_icon": "mail",
            },
        )

    def revoke_invitation_view(self, request, pk):
        if request.method != "POST":
            raise Http404
        invitation = get_object_or_404(
            permissions.visible(request.user, Invitation, "change"), pk=pk
        )
        try:
            services.revoke_invitation(request.user, invitation)
        except NetworkError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The invitation is withdrawn."))
        return redirect("network_members:invitations")

    def member_action_view(self, action):
        service, done_message = MEMBER_ACTIONS[action]

        def view(request, pk):
            profile = get_object_or_404(
                permissions.visible(request.user, MemberProfile, "change").select_related("user"),
                pk=pk,
            )
            if request.method == "POST":
                try:
                    service(request.user, profile)
                except NetworkError as error:
                    messages.error(request, error.message)
                else:
                    messages.success(request, str(done_message))
                return redirect("network_members:edit", profile.pk)
            return TemplateResponse(
                request,
                "network/admin/confirm.html",
                {
                    "page_title": str(profile),
                    "header_title": str(profile),
                    "header_icon": "group",
                    "question": MEMBER_ACTION_QUESTIONS[action] % {"name": profile},
                    "cancel_url": reverse("network_members:edit", args=[profile.pk]),
                },
            )

        return view


# --- organisations and communes ---------------------------------------------------------


class OrganisationForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None and "communes" in self.fields:
            communes = permissions.coordinated_commune_ids(self.for_user)
            if communes is not None:
                self.fields["communes"].queryset = _scoped_communes(self.for_user)

    def clean_communes(self):
        chosen = self.cleaned_data["communes"]
        communes = permissions.coordinated_commune_ids(self.for_user) if self.for_user else None
        if communes is not None and not {c.pk for c in chosen} <= set(communes):
            raise forms.ValidationError(
                _(
                    "Choose only communes you coordinate: an organisation serving other "
                    "communes is managed by the network coordination."
                )
            )
        return chosen


class OrganisationFilterSet(WagtailFilterSet):
    class Meta:
        model = Organisation
        fields = ["kind", "communes", "is_active"]


class OrganisationIndexView(ScopedIndexView):
    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        url = reverse("network_organisations:export")
        buttons.extend(export_views.export_buttons(self.request, export_views.ORGANISATIONS, url))
        buttons.extend(import_views.import_buttons(self.request, "organisations"))
        return buttons


class OrganisationViewSet(ScopedModelViewSet):
    model = Organisation
    icon = "home"
    menu_label = gettext_lazy("Organisations")
    url_prefix = "organisations"
    url_namespace = "network_organisations"
    index_view_class = OrganisationIndexView
    filterset_class = OrganisationFilterSet
    search_fields = ["name", "email"]
    search_backend_name = None
    list_display = ["name", "kind", "email", "is_active"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("kind"),
            FieldPanel("communes", widget=forms.CheckboxSelectMultiple),
            FieldPanel("email"),
            FieldPanel("phone"),
            FieldPanel("email_domains"),
            FieldPanel("is_active"),
        ],
        base_form_class=OrganisationForm,
    )

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), path("export/", self.export_view, name="export")]

    def export_view(self, request):
        rows = export_views.listing_queryset(self, request)
        return exports.export_for(
            request, export_views.ORGANISATIONS, rows, exports.requested_format(request)
        )


class CommuneViewSet(ScopedModelViewSet):
    model = Commune
    icon = "site"
    menu_label = gettext_lazy("Communes")
    url_prefix = "communes"
    url_namespace = "network_communes"
    list_display = ["name", "postal_code", "is_coordinating"]
    form_fields = ["name", "slug", "postal_code", "is_coordinating"]


# --- audit log --------------------------------------------------------------------------


class AuditFilterSet(WagtailFilterSet):
    action = django_filters.CharFilter(
        label=gettext_lazy("Action"), lookup_expr="startswith", max_length=200
    )
    object_type = django_filters.CharFilter(label=gettext_lazy("Object type"), max_length=200)
    at = django_filters.DateFromToRangeFilter(label=gettext_lazy("Date"))

    class Meta:
        model = AuditEntry
        fields = ["action", "object_type", "at"]


class AuditIndexView(ScopedIndexView):
    @property
    def header_buttons(self):
        query = self.request.GET.urlencode()
        url = reverse("network_audit:export") + (f"?{query}" if query else "")
        return [HeaderButton(_("Export (CSV)"), url=url, icon_name="download")]


class AuditViewSet(ScopedModelViewSet):
    model = AuditEntry
    icon = "history"
    menu_label = gettext_lazy("Audit log")
    url_prefix = "journal"
    url_namespace = "network_audit"
    index_view_class = AuditIndexView
    filterset_class = AuditFilterSet
    list_display = ["at", "action", "object_type", "object_key", "actor_role", "origin"]
    inspect_view_enabled = True
    form_fields = ["action"]  # never editable: no role has the change permission

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), path("export/", self.export_view, name="export")]

    def export_view(self, request):
        from .exports import audit_csv_response

        queryset = permissions.visible(request.user, AuditEntry, "export")
        if not permissions.is_network_coordination(request.user):
            raise PermissionDenied
        filterset = AuditFilterSet(request.GET, queryset=queryset, request=request)
        audit.record(
            "audit.export",
            None,
            actor=request.user,
            origin="admin",
            object_type="network.auditentry",
        )
        return audit_csv_response(filterset.qs)


class NetworkViewSetGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Network")
    menu_icon = "group"
    menu_order = 200
    items = (MemberViewSet, OrganisationViewSet, CommuneViewSet, AuditViewSet)
