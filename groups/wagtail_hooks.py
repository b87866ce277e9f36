from wagtail import hooks

from . import roster_views, viewsets


@hooks.register("register_admin_viewset")
def register_group_viewsets():
    return [*viewsets.admin_viewsets(), *roster_views.admin_viewsets()]
