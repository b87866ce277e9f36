"""The permission layer's cost: a commune coordinator's scoped member list against the
network coordination's unscoped one (same viewset, same page size), and `visible()` alone
against the bare query."""

from django.contrib.auth import get_user_model
from django.test import Client

from bench.harness import Case
from network import permissions
from network.models import MemberProfile


def _client(username: str) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username=username))
    return client


def cases(dataset: dict) -> list[Case]:
    commune = _client("coord-esneux")
    network = _client("coordination")

    def scoped_listing() -> None:
        assert commune.get("/admin/membres/").status_code == 200

    def unscoped_listing() -> None:
        assert network.get("/admin/membres/").status_code == 200

    coordinator = get_user_model().objects.get(username="coord-esneux")

    def visible_members() -> None:
        coordinator.__dict__.pop("_maillage_standing", None)  # as on a new request
        list(permissions.visible(coordinator, MemberProfile).values_list("pk", flat=True))

    def all_members() -> None:
        list(MemberProfile.objects.values_list("pk", flat=True))

    return [
        Case(
            name="members_admin_list",
            description="GET /admin/membres/ as the commune coordinator of Esneux (scoped)",
            run=scoped_listing,
            baseline_name="members_admin_list_unscoped",
            baseline=unscoped_listing,
            runs=30,
            extra=dataset,
        ),
        Case(
            name="members_visible",
            description="permissions.visible(coord-esneux, MemberProfile): ids in scope",
            run=visible_members,
            baseline_name="members_all_ids",
            baseline=all_members,
            runs=60,
            extra=dataset,
        ),
    ]
