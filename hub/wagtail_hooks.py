from django.core.exceptions import PermissionDenied
from wagtail import hooks


@hooks.register("before_move_page")
def refuse_move_confirmation_without_permission(request, page, destination):
    """Wagtail shows the move confirmation to any admin user; only movers may see it."""
    if not page.permissions_for_user(request.user).can_move_to(destination):
        raise PermissionDenied


@hooks.register("construct_homepage_panels")
def add_dashboard_panels(request, panels):
    """The coordinators' figures, above Wagtail's own panels."""
    from .admin_dashboard import panels_for

    panels.extend(panels_for(request))


@hooks.register("register_admin_urls")
def register_report_urls():
    from .report_views import get_urls

    return get_urls()


@hooks.register("register_admin_menu_item")
def register_reports_menu_item():
    from .report_views import menu_item

    return menu_item()
