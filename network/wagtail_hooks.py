from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from . import privacy_admin
from .viewsets import NetworkViewSetGroup


@hooks.register("register_admin_viewset")
def register_network_viewsets():
    return NetworkViewSetGroup()


@hooks.register("register_admin_urls")
def register_privacy_urls():
    return privacy_admin.get_urls()


@hooks.register("register_admin_menu_item")
def register_privacy_menu_item():
    return privacy_admin.menu_item()


@hooks.register("register_account_menu_item")
def register_notifications_account_item(request):
    return {
        "url": reverse("network:notifications"),
        "label": _("E-mail notifications"),
        "help_text": _("For each kind of notification: an e-mail each time, or a daily digest."),
    }
