from wagtail import hooks

from . import roster_views, stats_views, viewsets


@hooks.register("register_admin_viewset")
def register_group_viewsets():
    return [*viewsets.admin_viewsets(), *roster_views.admin_viewsets()]


@hooks.register("register_admin_urls")
def register_statistics_urls():
    return stats_views.get_urls()


@hooks.register("register_support_groups_menu_item")
def register_statistics_menu_item():
    return stats_views.menu_item()
