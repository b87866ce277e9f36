from django.core.exceptions import PermissionDenied
from wagtail import hooks


@hooks.register("before_move_page")
def refuse_move_confirmation_without_permission(request, page, destination):
    """Wagtail shows the move confirmation to any admin user; only movers may see it."""
    if not page.permissions_for_user(request.user).can_move_to(destination):
        raise PermissionDenied
