"""Wagtail admin screens of groups/: programmes, cycles, participants, swaps.

Every view looks its objects up through network's permission layer (groups.rules): a commune
coordinator reaches only their communes' cycles and children, the network coordination every
cycle but a child's record only where it holds a role, whatever the URL. A child's record is
a plain ModelViewSet (no drafts, no revisions); its log entries and audit entries carry the
pseudonymous code or the primary key, never the alias. Reads of a record are audited.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, ProtectedError, Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList, Panel
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from lms.admin_forms import communes_of, local_label, person_label
from network import audit, permissions
from network.admin_views import (
    ScopedDeleteView,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedModelViewSet,
)
from network.exceptions import NetworkError
from network.models import Commune

from . import admin_forms, services, statistics
from .models import (
    Cycle,
    CycleStatus,
    Membership,
    MembershipStatus,
    Participant,
    Programme,
    Swap,
    SwapStatus,
)

DECIDED_SWAPS_DAYS = 30
SUBMENU_HOOK = "register_support_groups_menu_item"


def _day(value: dt.date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else "—"


# --- shared view pieces ----------------------------------------------------------------------


def _allowed(user, model, action: str) -> Exists:
    """Per row of a listing: may the user do `action` on it (one subquery, no query per row)."""
    return Exists(permissions.visible(user, model, action).filter(pk=OuterRef("pk")))


class RowPermissionsIndexView(ScopedIndexView):
    """Edit and delete links only on the rows the permission layer allows (Wagtail checks the
    model permission only, which would link the network coordination to a 404)."""

    def get_base_queryset(self):
        user = self.request.user
        return (
            super()
            .get_base_queryset()
            .annotate(
                _may_change=_allowed(user, self.model, "change"),
                _may_delete=_allowed(user, self.model, "delete"),
            )
        )

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Wagtail's spreadsheet export writes raw values without any permission: never here.
        self.is_export = False

    def get_edit_url(self, instance):
        if getattr(instance, "_may_change", False):
            return super().get_edit_url(instance)
        return None

    def get_delete_url(self, instance):
        if getattr(instance, "_may_delete", False):
            return super().get_delete_url(instance)
        return None


class CheckedSaveMixin:
    """After saving (in the view's transaction), the object must still be one the user may
    change: no creating or moving an object out of one's own scope."""

    def save_instance(self):
        instance = super().save_instance()
        if not permissions.can(self.request.user, "change", instance):
            raise PermissionDenied
        return instance


class CheckedCreateView(CheckedSaveMixin, generic.CreateView):
    pass


class CheckedEditView(CheckedSaveMixin, ScopedEditView):
    pass


class CoordinatorAuditMixin:
    """Whoever is in charge of a cycle sees its children: putting someone in charge (the
    network coordination itself included) is audited."""

    def save_instance(self):
        instance = super().save_instance()
        if "coordinator" in self.form.changed_data:
            audit.record("cycle.coordinator", instance, actor=self.request.user, origin="admin")
        return instance


class CycleCreateView(CoordinatorAuditMixin, CheckedCreateView):
    pass


class CycleEditView(CoordinatorAuditMixin, CheckedEditView):
    pass


class InstanceLinksInspectMixin:
    """Edit and delete buttons only when the permission layer allows them on this object."""

    def get_edit_url(self):
        if permissions.can(self.request.user, "change", self.object):
            return super().get_edit_url()
        return None

    def get_delete_url(self):
        if permissions.can(self.request.user, "delete", self.object):
            return super().get_delete_url()
        return None


class LinkColumn(Column):
    """A cell holding a link (the URL comes from `get_url(instance)`)."""

    cell_template_name = "groups/admin/cycle_link_cell.html"

    def __init__(self, name, *, get_url, text, **kwargs):
        super().__init__(name, **kwargs)
        self._get_url = get_url
        self._text = text

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["url"] = self._get_url(instance)
        context["text"] = self._text
        return context


# --- programmes ------------------------------------------------------------------------------


class ProgrammeIndexView(RowPermissionsIndexView):
    pass


class ProgrammeDeleteView(ScopedDeleteView):
    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ProtectedError:
            messages.error(
                self.request,
                _("This programme has cycles: it cannot be deleted. Make it inactive instead."),
            )
            return redirect(reverse("groups_programmes:edit", args=[self.object.pk]))


class ProgrammeInspectView(InstanceLinksInspectMixin, ScopedInspectView):
    def get_required_modules_display_value(self):
        return ", ".join(m.title for m in self.object.required_modules.order_by("title")) or "—"


class ProgrammeViewSet(ScopedModelViewSet):
    """The methodology of a support group: the network coordination writes, coordinators read."""

    model = Programme
    icon = "clipboard-list"
    menu_label = gettext_lazy("Programmes")
    url_prefix = "groupes/programmes"
    url_namespace = "groups_programmes"
    index_view_class = ProgrammeIndexView
    add_view_class = CheckedCreateView
    edit_view_class = CheckedEditView
    delete_view_class = ProgrammeDeleteView
    inspect_view_class = ProgrammeInspectView
    inspect_view_enabled = True
    list_display = ["name", "audience", "age_min", "age_max", "max_size", "active"]
    list_filter = ["audience", "active"]
    search_fields = ["name"]
    search_backend_name = None
    inspect_view_fields = [
        "name",
        "audience",
        "age_min",
        "age_max",
        "min_size",
        "max_size",
        "facilitators_per_meeting",
        "lead_required",
        "required_modules",
        "public_description",
        "contact",
        "active",
    ]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldRowPanel([FieldPanel("audience"), FieldPanel("active")]),
            FieldRowPanel([FieldPanel("age_min"), FieldPanel("age_max")]),
            FieldRowPanel([FieldPanel("min_size"), FieldPanel("max_size")]),
            FieldRowPanel([FieldPanel("facilitators_per_meeting"), FieldPanel("lead_required")]),
            FieldPanel("required_modules"),
            MultiFieldPanel(
                [FieldPanel("public_description"), FieldPanel("contact")],
                heading=gettext_lazy("Shown to the public"),
            ),
        ],
        base_form_class=admin_forms.ProgrammeForm,
    )


# --- cycles ----------------------------------------------------------------------------------


class CycleFilterSet(WagtailFilterSet):
    commune = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Commune"), queryset=Commune.objects.none()
    )
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=CycleStatus.choices)
    programme = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Programme"), queryset=Programme.objects.all()
    )

    class Meta:
        model = Cycle
        fields = ["commune", "status", "programme"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["commune"].queryset = communes_of(request.user).order_by("name")


def _children_visible(user) -> Exists:
    """Per cycle: may the user see its memberships (commune coordinators, a role in it)?"""
    return Exists(permissions.visible(user, Membership).filter(cycle=OuterRef("pk")))


def _head_count(count: int, children_visible: bool) -> int | str:
    """A cycle's count of children, masked below five (as in the statistics) for whoever
    may not see its children: the network coordination without a role in it would otherwise
    read here what the statistics mask."""
    return count if children_visible else statistics.mask(count)


def _admitted_shown(cycle) -> int | str:
    return _head_count(cycle.admitted, getattr(cycle, "_children_visible", False))


class CycleIndexView(RowPermissionsIndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("programme", "commune")
            .annotate(
                admitted=Count(
                    "memberships",
                    filter=Q(memberships__status=MembershipStatus.ADMITTED),
                    distinct=True,
                ),
                _children_visible=_children_visible(self.request.user),
            )
        )


class CycleInspectView(InstanceLinksInspectMixin, ScopedInspectView):
    """The cycle, the head count by status (for everyone who sees the cycle), and its
    memberships for those allowed to see the children."""

    template_name = "groups/admin/cycle_inspect.html"

    def scoped_queryset(self):
        return (
            super()
            .scoped_queryset()
            .select_related("programme", "commune", "venue", "series", "coordinator")
        )

    def get_fields_context(self):
        c = self.object
        return [
            {"label": label, "value": value, "component": None}
            for label, value in (
                (_("Programme"), c.programme),
                (_("Commune"), c.commune),
                (_("Venue"), c.venue or "—"),
                (_("Meetings"), c.series or "—"),
                (_("Coordinator in charge"), person_label(c.coordinator) if c.coordinator else "—"),
                (_("Status"), c.get_status_display()),
                (_("Referrals from"), _day(c.intake_opens)),
                (_("Referrals until"), _day(c.intake_closes)),
                (_("Meetings per facilitator and month (at most)"), c.monthly_max),
                (_("Keep the same facilitators throughout"), _("yes") if c.keep_pairs else _("no")),
            )
        ]

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                _("Roster board"),
                url=admin_forms.roster_board_url(self.object.pk),
                icon_name="calendar-alt",
            )
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(cycle_memberships_context(self.request.user, self.object))
        return context


def cycle_memberships_context(user, cycle: Cycle) -> dict:
    """Counts by status for anyone who sees the cycle (masked below five for those who may
    not see its children); the children's codes and aliases only for those the permission
    layer lets see them."""
    labels = dict(MembershipStatus.choices)
    children_visible = permissions.visible(user, Membership).filter(cycle=cycle).exists()
    counts = [
        (labels.get(row["status"], row["status"]), _head_count(row["total"], children_visible))
        for row in Membership.objects.filter(cycle=cycle)
        .values("status")
        .annotate(total=Count("pk"))
        .order_by("status")
    ]
    visible_participants = permissions.visible(user, Participant, "view")
    memberships = list(
        Membership.objects.filter(cycle=cycle, participant__in=visible_participants.values("pk"))
        .select_related("participant")
        .order_by("participant__alias", "participant__code")
    )
    changeable = set(
        permissions.visible(user, Participant, "change")
        .filter(pk__in=[m.participant_id for m in memberships])
        .values_list("pk", flat=True)
    )
    rows = [
        {
            "code": m.participant.code,
            "alias": m.participant.alias,
            "status": m.get_status_display(),
            "url": reverse(
                "groups_participants:edit"
                if m.participant_id in changeable
                else "groups_participants:inspect",
                args=[m.participant_id],
            ),
        }
        for m in memberships
    ]
    return {
        "status_counts": counts,
        "membership_rows": rows,
        "may_see_children": bool(rows),
        "board_url": admin_forms.roster_board_url(cycle.pk),
    }


class CycleViewSet(ScopedModelViewSet):
    model = Cycle
    icon = "date"
    menu_label = gettext_lazy("Cycles")
    url_prefix = "groupes/cycles"
    url_namespace = "groups_cycles"
    index_view_class = CycleIndexView
    add_view_class = CycleCreateView
    edit_view_class = CycleEditView
    inspect_view_class = CycleInspectView
    inspect_view_enabled = True
    filterset_class = CycleFilterSet
    search_fields = ["name"]
    search_backend_name = None
    list_display = [
        "name",
        Column("programme", label=gettext_lazy("Programme"), accessor="programme"),
        Column("commune", label=gettext_lazy("Commune"), accessor="commune"),
        Column("status", label=gettext_lazy("Status"), accessor="get_status_display"),
        Column(
            "admitted",
            label=gettext_lazy("Admitted participants"),
            accessor=_admitted_shown,
            sort_key="admitted",
        ),
        LinkColumn(
            "board",
            label=gettext_lazy("Roster"),
            get_url=lambda cycle: admin_forms.roster_board_url(cycle.pk),
            text=gettext_lazy("Roster board"),
        ),
    ]
    edit_handler = ObjectList(
        [
            FieldPanel("programme"),
            FieldPanel("name"),
            FieldRowPanel([FieldPanel("commune"), FieldPanel("venue")]),
            FieldPanel("series"),
            FieldRowPanel([FieldPanel("coordinator"), FieldPanel("status")]),
            FieldRowPanel([FieldPanel("intake_opens"), FieldPanel("intake_closes")]),
            FieldRowPanel([FieldPanel("monthly_max"), FieldPanel("keep_pairs")]),
        ],
        base_form_class=admin_forms.CycleForm,
    )


# --- participants ----------------------------------------------------------------------------


class ChildRowsPanel(Panel):
    """A participant's consents, safety instructions or memberships, edited in the
    participant's form without a script: one block per row, a blank block to add one, a
    checkbox to delete one. The formset is built by ParticipantForm."""

    def __init__(self, relation_name="", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.relation_name = relation_name

    def clone_kwargs(self):
        return {**super().clone_kwargs(), "relation_name": self.relation_name}

    class BoundPanel(Panel.BoundPanel):
        template_name = "groups/admin/participant_children_panel.html"

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.formset = None
            if self.form is not None:
                self.formset = self.form.formsets[self.panel.relation_name]

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            name = self.formset.model._meta.verbose_name
            rows = []
            for number, form in enumerate(self.formset.forms, start=1):
                is_new = form.instance.pk is None
                rows.append(
                    {
                        "form": form,
                        "is_new": is_new,
                        "legend": (
                            capfirst(_("new %(name)s") % {"name": name})
                            if is_new
                            else f"{capfirst(name)} {number}"
                        ),
                        "fields": [f for f in form.visible_fields() if f.name != "DELETE"],
                        "delete": form["DELETE"] if "DELETE" in form.fields else None,
                    }
                )
            context["formset"] = self.formset
            context["rows"] = rows
            return context


class CodePanel(Panel):
    """The participant's pseudonymous code: generated, never typed."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "groups/admin/participant_code_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["code"] = getattr(self.instance, "code", "") if self.instance.pk else ""
            return context


class ParticipantFilterSet(WagtailFilterSet):
    commune = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Commune"), queryset=Commune.objects.none()
    )
    cycle = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Cycle"),
        queryset=Cycle.objects.none(),
        field_name="memberships__cycle",
        distinct=True,
    )

    class Meta:
        model = Participant
        fields = ["commune", "cycle"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["commune"].queryset = communes_of(request.user).order_by("name")
            self.filters["cycle"].queryset = permissions.visible(request.user, Cycle)


def _cycle_names(participant) -> str:
    return ", ".join(m.cycle.name for m in participant.visible_memberships) or "—"


class ParticipantIndexView(RowPermissionsIndexView):
    def get_base_queryset(self):
        cycles = permissions.visible(self.request.user, Cycle)
        return (
            super()
            .get_base_queryset()
            .select_related("commune")
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.filter(cycle__in=cycles.values("pk"))
                    .select_related("cycle")
                    .order_by("cycle__name"),
                    to_attr="visible_memberships",
                )
            )
        )


def _audit_read(request, participant) -> None:
    audit.record("participant.view", participant, actor=request.user, origin="admin")


class ParticipantEditView(CheckedEditView):
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        _audit_read(request, self.object)
        return response


class ParticipantInspectView(InstanceLinksInspectMixin, ScopedInspectView):
    template_name = "groups/admin/participant_inspect.html"

    def scoped_queryset(self):
        return super().scoped_queryset().select_related("commune")

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        _audit_read(request, self.object)
        return response

    def get_created_at_display_value(self):
        return local_label(self.object.created_at)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        p = self.object
        user = self.request.user
        context.update(
            consents=list(p.consents.all()),
            safety_instructions=list(p.safety_instructions.all()),
            memberships=list(
                permissions.visible(user, Membership)
                .filter(participant=p)
                .select_related("cycle")
                .order_by("-referred_on")
            ),
        )
        return context


class ParticipantDeleteView(ScopedDeleteView):
    def delete_action(self):
        audit.record("participant.delete", self.object, actor=self.request.user, origin="admin")
        super().delete_action()


class ParticipantViewSet(ScopedModelViewSet):
    """Pseudonymous children's records: no drafts, no revisions, no export, no reference
    index (nothing else points to a child), every read audited."""

    model = Participant
    add_to_reference_index = False
    icon = "user"
    menu_label = gettext_lazy("Participants")
    url_prefix = "groupes/participants"
    url_namespace = "groups_participants"
    index_view_class = ParticipantIndexView
    add_view_class = CheckedCreateView
    edit_view_class = ParticipantEditView
    delete_view_class = ParticipantDeleteView
    inspect_view_class = ParticipantInspectView
    inspect_view_enabled = True
    filterset_class = ParticipantFilterSet
    search_fields = ["code", "alias"]
    search_backend_name = None
    list_display = [
        "code",
        "alias",
        "birth_year",
        Column("commune", label=gettext_lazy("Commune"), accessor="commune"),
        Column("cycles", label=gettext_lazy("Cycles"), accessor=_cycle_names),
    ]
    inspect_view_fields = [
        "code",
        "alias",
        "birth_year",
        "referral_source",
        "commune",
        "practical_needs",
        "created_at",
    ]
    edit_handler = ObjectList(
        [
            CodePanel(heading=gettext_lazy("Code")),
            FieldRowPanel([FieldPanel("alias"), FieldPanel("birth_year")]),
            FieldRowPanel([FieldPanel("referral_source"), FieldPanel("commune")]),
            FieldPanel("practical_needs"),
            ChildRowsPanel("consents", heading=gettext_lazy("Consents")),
            ChildRowsPanel("safety_instructions", heading=gettext_lazy("Safety instructions")),
            ChildRowsPanel(
                "memberships",
                heading=gettext_lazy("Memberships"),
                help_text=gettext_lazy(
                    "Places in the cycles you manage; memberships in other cycles are kept."
                ),
            ),
        ],
        base_form_class=admin_forms.ParticipantForm,
    )


# --- swaps -----------------------------------------------------------------------------------


def may_decide_swaps(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_perm("maillage_groups.change_swap")
    )


def swaps_of(user):
    """Swaps of the meetings of cycles the user may change."""
    return Swap.objects.filter(
        session__series__support_cycle__in=permissions.visible(user, Cycle, "change").values("pk")
    ).select_related(
        # The series' commune: a series without a public title is called after it.
        "session__series__commune",
        "counterpart__series__commune",
        "requester",
        "colleague",
        "decided_by",
    )


def _swap_row(swap: Swap) -> dict:
    return {
        "swap": swap,
        "meeting": str(swap.session),
        "requester": person_label(swap.requester),
        "colleague": person_label(swap.colleague),
        "counterpart": str(swap.counterpart) if swap.counterpart_id else "",
        "asked_at": local_label(swap.created_at),
        "decided_at": local_label(swap.decided_at),
        "decided_by": person_label(swap.decided_by) if swap.decided_by_id else "",
    }


class SwapQueueViewSet(ViewSet):
    """The coordinators' queue of swaps between facilitators (e-mails link here)."""

    icon = "resubmit"
    menu_label = gettext_lazy("Swaps")
    url_prefix = "groupes/echanges"
    url_namespace = "groups_swaps"
    name = "groups_swaps"

    @cached_property
    def menu_item_class(self):
        def is_shown(_self, request):
            return may_decide_swaps(request.user)

        return type("SwapQueueMenuItem", (MenuItem,), {"is_shown": is_shown})

    def get_urlpatterns(self):
        return [
            path("", self.queue_view, name="index"),
            path("<int:pk>/decider/", self.decide_view, name="decide"),
        ]

    def _render(self, request, *, kept: dict | None = None, status: int = 200):
        swaps = swaps_of(request.user)
        since = timezone.now() - dt.timedelta(days=DECIDED_SWAPS_DAYS)
        pending = [
            {**_swap_row(s), "reason": (kept or {}).get(s.pk, "")}
            for s in swaps.filter(status=SwapStatus.PROPOSED).order_by("session__start", "pk")
        ]
        decided = [
            _swap_row(s)
            for s in swaps.exclude(status=SwapStatus.PROPOSED)
            .filter(decided_at__gte=since)
            .order_by("-decided_at", "-pk")
        ]
        title = _("Swaps to decide")
        return TemplateResponse(
            request,
            "groups/admin/swap_queue.html",
            {
                "page_title": title,
                "header_title": title,
                "header_icon": "resubmit",
                "breadcrumbs_items": [
                    {"url": reverse("wagtailadmin_home"), "label": _("Home")},
                    {"url": "", "label": title},
                ],
                "pending": pending,
                "decided": decided,
                "decided_days": DECIDED_SWAPS_DAYS,
            },
            status=status,
        )

    def queue_view(self, request):
        if not may_decide_swaps(request.user):
            raise PermissionDenied
        return self._render(request)

    def decide_view(self, request, pk):
        if not may_decide_swaps(request.user):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        swap = get_object_or_404(swaps_of(request.user), pk=pk)
        form = admin_forms.SwapDecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose to approve or to refuse the swap."))
            return redirect("groups_swaps:index")
        approve = form.cleaned_data["decision"] == "approve"
        reason = form.cleaned_data["reason"]
        try:
            services.decide_swap(request.user, swap, approve=approve, reason=reason)
        except NetworkError as error:
            # The swap stays pending; the page comes back with the reason as it was typed.
            messages.error(
                request,
                _("The swap of %(meeting)s could not be decided: %(reason)s")
                % {"meeting": swap.session, "reason": error.message},
            )
            return self._render(request, kept={swap.pk: reason})
        if approve:
            text = _("The swap of %(meeting)s is approved; both facilitators are told.")
        else:
            text = _("The swap of %(meeting)s is refused; both facilitators are told.")
        messages.success(request, text % {"meeting": swap.session})
        return redirect("groups_swaps:index")


# --- the menu --------------------------------------------------------------------------------


class SupportGroupsViewSetGroup(ViewSetGroup):
    """After the certificates (230); the roster board (roster_views.py) may join it through
    the `register_support_groups_menu_item` hook."""

    menu_label = pgettext_lazy("admin menu", "Support groups")
    menu_icon = "group"
    menu_order = 240
    submenu_hook = SUBMENU_HOOK
    items = (CycleViewSet, ParticipantViewSet, SwapQueueViewSet, ProgrammeViewSet)


def admin_viewsets() -> list:
    return [SupportGroupsViewSetGroup()]
