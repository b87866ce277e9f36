from typing import Any

from django.http import HttpRequest


def account_panel_context(request: HttpRequest) -> dict[str, Any] | None:
    """The "Mon compte" panel: who is signed in, and where to change the password."""
    if not request.user.is_authenticated:
        return None
    user = request.user
    from .models import MemberProfile

    profile = MemberProfile.objects.filter(user=user).select_related("organisation").first()
    return {
        "has_profile": profile is not None,
        "organisation": profile.organisation if profile else None,
        "full_name": user.get_full_name() or user.get_username(),
        "email": user.email,
        "roles": [group.name for group in user.groups.all()],
        "last_login": user.last_login,
    }
