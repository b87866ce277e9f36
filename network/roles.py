"""The roles of the network, as Django groups, each with the least permissions it needs.

Later apps add their own model permissions to these roles; `setup_roles` is idempotent
and can be run at any time to bring the groups back in line with this definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    key: str
    name: str  # the Django group name, stable: code and data refer to it
    label: object
    admin_access: bool = False
    edit_pages: bool = False
    permissions: tuple[str, ...] = ()  # "app_label.codename"


PROFESSIONAL = Role("professional", "Professionnel·le", _("Professional"))
REFERENT = Role("referent", "Référent·e d'organisation", _("Organisation referent"))
TRAINER = Role("trainer", "Formateur·rice", _("Trainer"))
FACILITATOR = Role("facilitator", "Animateur·rice", _("Facilitator"))
COMMUNE_COORDINATOR = Role(
    "commune_coordinator",
    "Coordinateur·rice communal·e",
    _("Commune coordinator"),
    admin_access=True,
)
NETWORK_COORDINATION = Role(
    "network_coordination",
    "Coordination du réseau",
    _("Network coordination"),
    admin_access=True,
    edit_pages=True,
    permissions=(
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
        "wagtaildocs.choose_document",
    ),
)

ROLES: tuple[Role, ...] = (
    PROFESSIONAL,
    REFERENT,
    TRAINER,
    FACILITATOR,
    COMMUNE_COORDINATOR,
    NETWORK_COORDINATION,
)

_granted: dict[str, set[str]] = {}


def grant(role: Role, *permissions: str) -> None:
    """Let a higher app add its own model permissions to a role (call it in ready())."""
    _granted.setdefault(role.key, set()).update(permissions)


def permissions_of(role: Role) -> list[str]:
    return [*role.permissions, *sorted(_granted.get(role.key, ()))]


PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")


def _permission(dotted: str) -> Permission | None:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


@transaction.atomic
def setup_roles() -> list[Group]:
    """Create or update the role groups; return them in ROLES order."""
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

    groups = []
    root_page = Page.get_first_root_node()
    root_collection = Collection.get_first_root_node()
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role.name)
        dotted_permissions = permissions_of(role)
        wanted = [p for p in map(_permission, dotted_permissions) if p is not None]
        if role.admin_access:
            access = _permission("wagtailadmin.access_admin")
            if access is not None:
                wanted.append(access)
        group.permissions.set(wanted)  # exactly the definition: a removed grant goes away
        if role.edit_pages and root_page is not None:
            for codename in PAGE_PERMISSIONS:
                perm = _permission(f"wagtailcore.{codename}")
                if perm is not None:
                    GroupPagePermission.objects.get_or_create(
                        group=group, page=root_page, permission=perm
                    )
        if role.edit_pages and root_collection is not None:
            for dotted in dotted_permissions:
                perm = _permission(dotted)
                if perm is not None and perm.content_type.app_label in (
                    "wagtailimages",
                    "wagtaildocs",
                ):
                    GroupCollectionPermission.objects.get_or_create(
                        group=group, collection=root_collection, permission=perm
                    )
        groups.append(group)
    return groups
