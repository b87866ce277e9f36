"""Building blocks for Wagtail admin screens that only ever reach objects in the user's scope.

Overriding a ViewSet's get_queryset filters the listing only: Wagtail's edit, delete, history,
usage, inspect and copy views look objects up by primary key on the default manager. Each view
class here looks them up in `permissions.visible(...)` instead, so an object outside the scope
answers 404 whatever the URL; the permission policy registered with the rule checks the rest.
"""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet

from . import permissions


class ScopedObjectMixin:
    """Look the object up among those the permission layer allows, else 404."""

    scope_action = "view"

    def scoped_queryset(self):
        return permissions.visible(self.request.user, self.model, self.scope_action)


class ScopedSingleObjectMixin(ScopedObjectMixin):
    # Django's SingleObjectMixin (edit, delete) looks the object up in get_queryset().
    def get_queryset(self):
        return self.scoped_queryset()


class ScopedBaseObjectMixin(ScopedObjectMixin):
    # Wagtail's BaseObjectMixin (history, usage) looks it up in get_base_object_queryset().
    def get_base_object_queryset(self):
        return self.scoped_queryset()


class ScopedGetObjectMixin(ScopedObjectMixin):
    # Copy and inspect call get_object_or_404(self.model, ...) directly.
    def get_object(self, queryset=None):
        return get_object_or_404(self.scoped_queryset(), pk=unquote(str(self.kwargs["pk"])))


class NoSpreadsheetExportMixin:
    """Wagtail's listing export (`?export=csv|xlsx`) answers whatever `list_export` is: off.

    It writes values raw (formulas included), asks for no permission and writes XLSX times in
    UTC; our exports go through network.exports instead.
    """

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.is_export = False

    @property
    def show_export_buttons(self):
        return False


class BoundedSearchMixin:
    """A listing's search term is cut to 200 characters: SQLite refuses a LIKE pattern over
    50,000 bytes (a pasted document answered 500), and no one searches for more than a line."""

    max_search_length = 200

    @cached_property
    def search_query(self):
        return super().search_query[: self.max_search_length]


class ScopedIndexView(BoundedSearchMixin, NoSpreadsheetExportMixin, generic.IndexView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        return queryset.filter(
            pk__in=permissions.visible(self.request.user, self.model).values("pk")
        )


class ScopedEditView(ScopedSingleObjectMixin, generic.EditView):
    scope_action = "change"


class ScopedDeleteView(ScopedSingleObjectMixin, generic.DeleteView):
    scope_action = "delete"


class ScopedCopyView(ScopedGetObjectMixin, generic.CopyView):
    scope_action = "view"


class ScopedInspectView(ScopedGetObjectMixin, generic.InspectView):
    scope_action = "view"


class ScopedHistoryView(ScopedBaseObjectMixin, history.HistoryView):
    scope_action = "view"


class ScopedUsageView(ScopedBaseObjectMixin, usage.UsageView):
    scope_action = "view"


class ScopedModelViewSet(ModelViewSet):
    """A ModelViewSet whose every view is narrowed by the permission layer."""

    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    copy_view_class = ScopedCopyView
    inspect_view_class = ScopedInspectView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    copy_view_enabled = False
    # Wagtail's listing export writes raw values with no permission: never for personal data.
    list_export: list[str] = []
