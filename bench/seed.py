"""Seed a scaled dataset: the demo network plus many pages and professionals."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Page

from hub.models import ContentPage, HomePage
from network.models import MemberProfile, Organisation


def seed(scale: int) -> dict[str, int]:
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    home = HomePage.objects.get()
    pages = 50 * scale
    existing = ContentPage.objects.child_of(home).filter(slug__startswith="bench-").count()
    for index in range(existing, pages):
        home.add_child(
            instance=ContentPage(
                title=f"Page de référence {index}",
                slug=f"bench-{index}",
                intro="Une page de contenu pour mesurer le coût du site à l'échelle.",
            )
        )
    if not Page.objects.child_of(home).filter(slug="bench-bare").exists():
        # A page of Wagtail's base type, rendered by Wagtail's own bare template.
        home.add_child(instance=Page(title="Page nue", slug="bench-bare"))
    users = 200 * scale
    user_model = get_user_model()
    have = user_model.objects.filter(username__startswith="bench-").count()
    created = user_model.objects.bulk_create(
        user_model(
            username=f"bench-{index}",
            email=f"pro{index}@bench.example",
            first_name="Pro",
            last_name=str(index),
        )
        for index in range(have, users)
    )
    # Each bench professional is a member of one organisation, round-robin.
    organisations = list(Organisation.objects.order_by("pk"))
    MemberProfile.objects.bulk_create(
        MemberProfile(user=user, organisation=organisations[index % len(organisations)])
        for index, user in enumerate(
            user_model.objects.filter(pk__in=[u.pk for u in created]).order_by("pk")
        )
    )
    return {
        "scale": scale,
        "content_pages": pages,
        "users": users,
        "members": MemberProfile.objects.count(),
    }
