"""Wagtail's user administration, with its listing export off (it would write every account's
name and e-mail raw, for anyone reaching the screen). Replaces "wagtail.users" in
INSTALLED_APPS; the label stays "wagtailusers"."""

from __future__ import annotations

from wagtail.users.apps import WagtailUsersAppConfig


class UsersConfig(WagtailUsersAppConfig):
    user_viewset = "network.export_views.UserViewSet"
