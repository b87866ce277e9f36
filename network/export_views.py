"""Admin pieces of the export layer: the CSV and XLSX header buttons of a listing, the listing's
rows as its filters narrow them, the members and organisations exports, and Wagtail's user
administration without its own spreadsheet export."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from wagtail.admin.widgets.button import HeaderButton
from wagtail.users.views import users

from .admin_views import NoSpreadsheetExportMixin
from .exports import Export
from .models import MemberProfile, Organisation

# --- header buttons and listing rows, for any viewset ----------------------------------------

LISTING_ONLY_PARAMETERS = ("p", "_w_filter_fragment", "export", "format")


def export_buttons(request: HttpRequest, export: Export, url: str, *, keep_query: bool = True):
    """ "Export (CSV)" and "Export (XLSX)" for those holding the export's permission."""
    if not export.allowed(request.user):
        return []
    query = request.GET.copy() if keep_query else request.GET.__class__(mutable=True)
    for name in LISTING_ONLY_PARAMETERS:
        query.pop(name, None)
    buttons = []
    for fmt, label, priority in (
        ("csv", _("Export (CSV)"), 20),
        ("xlsx", _("Export (XLSX)"), 21),
    ):
        params = query.copy()
        params["format"] = fmt
        buttons.append(
            HeaderButton(
                label, url=f"{url}?{params.urlencode()}", icon_name="download", priority=priority
            )
        )
    return buttons


def listing_queryset(viewset, request: HttpRequest):
    """The rows of the viewset's listing as its filters and search narrow them (no paging)."""
    view_class = viewset.index_view_class
    kwargs = {**viewset.get_common_view_kwargs(), **viewset.get_index_view_kwargs()}
    view = view_class(
        **{
            key: value
            for key, value in kwargs.items()
            if hasattr(view_class, key) and value is not viewset.UNDEFINED
        }
    )
    view.setup(request)
    return view.get_queryset()


# --- members ---------------------------------------------------------------------------------


def member_header() -> list[str]:
    return [
        _("Last name"),
        _("First name"),
        _("E-mail"),
        _("Organisation"),
        _("Function"),
        _("Phone"),
        _("Communes of action"),
        _("Status"),
        _("Registered at"),
        _("Last sign-in"),
    ]


def member_rows(profiles):
    profiles = profiles.select_related("user", "organisation").prefetch_related("communes")
    for profile in profiles.order_by("user__last_name", "user__first_name", "pk"):
        user = profile.user
        yield (
            user.last_name,
            user.first_name,
            user.email,
            profile.organisation.name if profile.organisation_id else "",
            profile.function,
            profile.phone,
            ", ".join(sorted(c.name for c in profile.communes.all())),
            profile.get_status_display(),
            profile.created_at,
            user.last_login,
        )


# Commune coordinators and the network coordination hold the view permission of members; the
# permission layer's "export" then keeps a coordinator's rows to their communes.
MEMBERS = Export(
    name="members",
    model=MemberProfile,
    permission="maillage_network.view_memberprofile",
    header=member_header,
    rows=member_rows,
    filename="membres",
)


# --- organisations -----------------------------------------------------------------------------


def organisation_header() -> list[str]:
    """The columns of the "organisations" import (network.resources), in English and French."""
    return [_("Name"), _("Kind"), _("Communes"), _("E-mail"), _("Phone")]


def organisation_rows(organisations):
    organisations = organisations.prefetch_related("communes").order_by("name", "pk")
    for organisation in organisations:
        yield (
            organisation.name,
            organisation.get_kind_display(),
            ", ".join(sorted(c.name for c in organisation.communes.all())),
            organisation.email,
            organisation.phone,
        )


# Everyone signed in may see the list of partners, but only coordinators hold the view
# permission of organisations; the permission layer's "export" keeps a commune coordinator's
# rows to the organisations that serve only their communes (those they may import back).
ORGANISATIONS = Export(
    name="organisations",
    model=Organisation,
    permission="maillage_network.view_organisation",
    header=organisation_header,
    rows=organisation_rows,
    filename="organisations",
)


# --- Wagtail's user administration -----------------------------------------------------------


class UserIndexView(NoSpreadsheetExportMixin, users.IndexView):
    pass


class UserViewSet(users.UserViewSet):
    """Wagtail's user administration (superusers), without its spreadsheet export."""

    index_view_class = UserIndexView
    list_export: list[str] = []
