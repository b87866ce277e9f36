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
