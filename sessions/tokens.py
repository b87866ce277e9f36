"""Personal feed tokens: an HMAC of the server secret, the user and a generation; nothing stored.

The token is `<user id in base 36>-<32 URL-safe characters of HMAC-SHA256>` (192 bits). Only the
generation number is stored (`FeedSubscription`); rotating or revoking bumps it, so every older
URL stops working (404). Tokens signed with a key of SECRET_KEY_FALLBACKS stay valid while the
key is listed there, as Django's own signed values do.
"""

from __future__ import annotations

import base64
import re

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36
from django.utils.translation import gettext_lazy as _

from .models import FeedSubscription

KEY_SALT = "maillage.sessions.feed-token"
MAC_LENGTH = 32  # URL-safe base64 characters: 192 bits
TOKEN_PATTERN = r"[0-9a-z]{1,13}-[A-Za-z0-9_-]{32}"
_TOKEN = re.compile(rf"^{TOKEN_PATTERN}$")


def _mac(user_id: int, generation: int, secret: str) -> str:
    digest = salted_hmac(
        KEY_SALT, f"{user_id}:{generation}", secret=secret, algorithm="sha256"
    ).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:MAC_LENGTH]


def make_token(user_id: int, generation: int) -> str:
    return f"{int_to_base36(user_id)}-{_mac(user_id, generation, settings.SECRET_KEY)}"


def token_for(subscription: FeedSubscription) -> str:
    return make_token(subscription.user_id, subscription.generation)


def subscription_for(user) -> FeedSubscription:
    """The person's subscription, created (generation 0) the first time the agenda shows it."""
    subscription, _created = FeedSubscription.objects.get_or_create(user=user)
    return subscription


@transaction.atomic
def rotate(user) -> FeedSubscription:
    """A new URL: the generation grows, so the previous URL answers 404."""
    subscription = subscription_for(user)
    FeedSubscription.objects.filter(pk=subscription.pk).update(
        generation=F("generation") + 1, revoked=False, updated_at=timezone.now()
    )
    subscription.refresh_from_db()
    return subscription


@transaction.atomic
def revoke(user) -> FeedSubscription | None:
    """No URL at all until the person asks for a new one (which `rotate` makes)."""
    updated = FeedSubscription.objects.filter(user=user).update(
        generation=F("generation") + 1, revoked=True, updated_at=timezone.now()
    )
    if not updated:
        return None
    return FeedSubscription.objects.get(user=user)


def subscription_from_token(token: str) -> FeedSubscription | None:
    """The live subscription a token opens, or None (unknown, old generation, revoked, inactive).

    One query. The MAC is compared in constant time.
    """
    if not _TOKEN.match(token):
        return None
    user_part, mac = token.split("-", 1)
    try:
        user_id = base36_to_int(user_part)
    except ValueError:
        return None
    subscription = (
        FeedSubscription.objects.select_related("user")
        .only("id", "generation", "revoked", "user__id", "user__is_active")
        .filter(user_id=user_id)
        .first()
    )
    if subscription is None or subscription.revoked or not subscription.user.is_active:
        return None
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if any(
        constant_time_compare(mac, _mac(user_id, subscription.generation, secret))
        for secret in secrets
    ):
        return subscription
    return None


def register_privacy() -> None:
    """Declare FeedSubscription in the privacy registry (call from SessionsConfig.ready())."""
    from network import privacy

    privacy.register(
        FeedSubscription,
        purpose=_("Letting a person subscribe to their agenda from a calendar application."),
        legal_basis=privacy.PUBLIC_TASK,
        retention=privacy.WHILE_ACCOUNT,
        export=lambda user: [
            privacy.values(s, ["generation", "revoked", "updated_at"])
            for s in FeedSubscription.objects.filter(user=user)
        ],
        erase=lambda user: FeedSubscription.objects.filter(user=user).delete()[0],
    )
