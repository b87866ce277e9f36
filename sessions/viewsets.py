"""Wagtail admin screens of the agenda: venues, series, sessions, closures, staff.

Every screen subclasses network's ScopedModelViewSet: a commune coordinator reaches only the
objects of their communes, whatever the URL. Writes that span models go through services.
"""

from __future__ import annotations

import datetime as dt

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
from django.utils import dateformat
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from recurrence.forms import RecurrenceWidget
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from network import permissions, roles
from network.admin_views import (
    ScopedDeleteView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedModelViewSet,
)
from network.admin_views import ScopedEditView as NetworkScopedEditView
from network.models import Commune

from . import closures_import, conflicts, notifications, services, services_staff
from .exceptions import SessionsError
from .models import (
    Absence,
    Assignment,
    Availability,
    Closure,
    ClosureKind,
    Series,
    SeriesDate,
    Session,
    SessionStatus,
    StaffRole,
    Venue,
)
from .recurrence import localise
from .summary import summarise

# --- scope helpers -----------------------------------------------------------------------


def _communes(user):
    own = permissions.coordinated_commune_ids(user)
    return Commune.objects.all() if own is None else Commune.objects.filter(pk__in=own)


def _people(user):
    """People whose planning `user` manages: everyone for the network, else their communes'."""
    people = get_user_model().objects.filter(is_active=True)
    own = permissions.coordinated_commune_ids(user)
    if own is None:
        return people.order_by("last_name", "first_name", "username")
    return (
        people.filter(member_profile__communes__in=own)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _staff_candidates(user):
    """Who may be assigned: trainers and facilitators of the network, and people in scope."""
    staff_roles = [roles.TRAINER.name, roles.FACILITATOR.name]
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=staff_roles) | Q(pk__in=_people(user).values("pk")))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _person_label(user) -> str:
    return user.get_full_name() or user.get_username()


def _local_label(moment: dt.datetime, zone) -> str:
    return dateformat.format(moment.astimezone(zone), "l d/m/Y H:i")


class ScopedEditView(NetworkScopedEditView):
    """The edit view, whose instance stays in scope after the change (no moving it away)."""

    def save_instance(self):
        instance = super().save_instance()
        if not permissions.can(self.request.user, "change", instance):
            raise PermissionDenied
        return instance


class ScopedCreateView:
    """Mixin for create views: the new object must be in the user's scope."""

    def save_instance(self):
        instance = super().save_instance()
        if not permissions.can(self.request.user, "change", instance):
            raise PermissionDenied
        return instance


class ScopedForm(WagtailAdminModelForm):
    """Choices of commune, venue and person narrowed to the user's scope."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is None:
            return
        if "commune" in self.fields:
            self.fields["commune"].queryset = _communes(user)
        if "venue" in self.fields:
            venues = permissions.visible(user, Venue, "view").filter(is_active=True)
            if self.instance.pk and getattr(self.instance, "venue_id", None):
                venues = Venue.objects.filter(
                    Q(pk__in=venues.values("pk")) | Q(pk=self.instance.venue_id)
                )
            self.fields["venue"].queryset = venues
        if "person" in self.fields:
            self.fields["person"].queryset = _people(user)
            self.fields["person"].label_from_instance = _person_label


# --- venues ------------------------------------------------------------------------------


class VenueCreateView(ScopedCreateView, __import__("wagtail").admin.views.generic.CreateView):
    pass


class VenueViewSet(ScopedModelViewSet):
    model = Venue
    icon = "site"
    menu_label = gettext_lazy("Venues")
    url_prefix = "agenda/lieux"
    url_namespace = "sessions_venues"
    add_view_class = VenueCreateView
    edit_view_class = ScopedEditView
    search_fields = ["name", "address"]
    search_backend_name = None
    list_filter = ["commune", "is_active"]
    list_display = ["name", "commune", "capacity", "confidential_address", "is_active"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("commune"),
            FieldPanel("address"),
            FieldPanel("confidential_address"),
            FieldPanel("capacity"),
            FieldPanel("accessibility"),
            FieldPanel("is_active"),
        ],
        base_form_class=ScopedForm,
    )
