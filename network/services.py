"""Member use cases: invite, accept, register, approve, deactivate. Typed, atomic, no request."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import audit, emails, roles
from .exceptions import (
    EmailAlreadyUsed,
    InvitationUnusable,
    NotAllowed,
    RegistrationLinkUnusable,
)
from .models import (
    Commune,
    Invitation,
    MemberProfile,
    MemberStatus,
    NotificationKind,
    Organisation,
    hash_token,
)
from .notifications import notify
from .permissions import can, coordinated_commune_ids, visible
from .signals import member_deactivated, member_joined


def invitable_organisations(actor: User):
    """Organisations into which `actor` may invite: those serving a commune they coordinate."""
    own = coordinated_commune_ids(actor)
    organisations = Organisation.objects.filter(is_active=True)
    if own is None:
        return organisations
    return organisations.filter(communes__in=own).distinct()


INVITATION_VALIDITY = timedelta(days=14)
INVITABLE_ROLES = {
    role.key: role
    for role in (roles.PROFESSIONAL, roles.REFERENT, roles.TRAINER, roles.FACILITATOR)
}


def _email_taken(email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=email.strip()).exists()


def _username_for(email: str) -> str:
    base = email.strip().lower()[:150]
    user_model = get_user_model()
    candidate, suffix = base, 1
    while user_model.objects.filter(username=candidate).exists():
        suffix += 1
        candidate = f"{base[:140]}-{suffix}"
    return candidate


def _registration_approvers(organisation: Organisation) -> list[User]:
    """Commune coordinators of the organisation's communes, else the network coordination."""
    user_model = get_user_model()
    coordinators = list(
        user_model.objects.filter(
            is_active=True,
            groups__name=roles.COMMUNE_COORDINATOR.name,
            member_profile__communes__in=organisation.communes.all(),
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    if not coordinators:
        coordinators = list(
            user_model.objects.filter(is_active=True, groups__name=roles.NETWORK_COORDINATION.name)
            .exclude(email="")
            .order_by("pk")
        )
    return coordinators


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    url: str


@transaction.atomic
def invite_member(
    actor: User,
    *,
    email: str,
    organisation: Organisation,
    first_name: str = "",
    last_name: str = "",
    function: str = "",
    role: str = roles.PROFESSIONAL.key,
    communes: list[Commune] | None = None,
) -> SentInvitation:
    """Invite someone by e-mail to work in the actor's communes.

    A pending invitation to the same address that the actor can see is replaced.
    """
    if role not in INVITABLE_ROLES:
        raise NotAllowed()
    if not invitable_organisations(actor).filter(pk=organisation.pk).exists():
        raise NotAllowed()
    own = coordinated_commune_ids(actor)
    chosen = list(communes or [])
    if own is not None:
        if any(commune.pk not in own for commune in chosen):
            raise NotAllowed()
        if not chosen:
            chosen = list(organisation.communes.filter(pk__in=own))
    email = email.strip()
    if _email_taken(email):
        raise EmailAlreadyUsed()
    now = timezone.now()
    replaced = Invitation.objects.pending().filter(
        email__iexact=email, pk__in=visible(actor, Invitation, "change").values("pk")
    )
    for old in replaced:
        audit.record("member.invitation_revoked", old, actor=actor, origin="admin")
    Invitation.objects.filter(pk__in=replaced.values("pk")).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        first_name=first_name,
        last_name=last_name,
        organisation=organisation,
        function=function,
        role=role,
        token_hash=hash_token(token),
        invited_by=actor,
        created_at=now,
        expires_at=now + INVITATION_VALIDITY,
    )
    if chosen:
        invitation.communes.set(chosen)
    url = reverse("network:accept_invitation", kwargs={"token": token})
    emails.send(
        [email],
        "network/emails/invitation",
        {
            "invitation": invitation,
            "url": url,
            "inviter": actor.get_full_name() or actor.get_username(),
        },
    )
    audit.record("member.invite", invitation, actor=actor, origin="admin")
    return SentInvitation(invitation, url)


@transaction.atomic
def revoke_invitation(actor: User, invitation: Invitation) -> None:
    if not can(actor, "change", invitation):
        raise NotAllowed()
    if invitation.is_usable:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record("member.invitation_revoked", invitation, actor=actor, origin="admin")


def find_invitation(token: str) -> Invitation:
    invitation = Invitation.objects.filter(token_hash=hash_token(token)).first()
    if invitation is None or not invitation.is_usable:
        raise InvitationUnusable()
    return invitation


@transaction.atomic
def accept_invitation(token: str, *, first_name: str, last_name: str, password: str) -> User:
    """Create the account the invitation describes; an invitation works once."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
    if invitation is None or not invitation.is_usable:
        raise InvitationUnusable()
    if _email_taken(invitation.email):
        raise EmailAlreadyUsed()
    now = timezone.now()
    user = get_user_model().objects.create_user(
        username=_username_for(invitation.email),
        email=invitation.email,
        password=password,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )
    profile = MemberProfile.objects.create(
        user=user,
        organisation=invitation.organisation,
        function=invitation.function,
        status=MemberStatus.ACTIVE,
        approved_at=now,
    )
    profile.communes.set(invitation.communes.all())
    role = INVITABLE_ROLES.get(invitation.role, roles.PROFESSIONAL)
    user.groups.add(Group.objects.get_or_create(name=role.name)[0])
    invitation.accepted_at = now
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    audit.record("member.invitation_accepted", profile, actor=user, origin="web")
    member_joined.send(sender=MemberProfile, user=user)
    return user


REGISTRATION_SALT = "network.registration"
REGISTRATION_CONFIRMATION_DAYS = 3


@transaction.atomic
def register_member(
    *,
    email: str,
    first_name: str,
    last_name: str,
    organisation: Organisation,
    function: str,
    phone: str,
    password: str,
) -> MemberProfile:
    """Self-registration: an inactive account until the address is confirmed by e-mail."""
    email = email.strip()
    if _email_taken(email):
        raise EmailAlreadyUsed()
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                username=_username_for(email),
                email=email,
                password=password,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                is_active=False,
            )
    except IntegrityError:  # the same address registered at the same moment
        raise EmailAlreadyUsed() from None
    profile = MemberProfile.objects.create(
        user=user,
        organisation=organisation,
        function=function,
        phone=phone,
        status=MemberStatus.PENDING,
    )
    token = signing.dumps({"u": user.pk, "e": email.lower()}, salt=REGISTRATION_SALT)
    emails.send(
        [email],
        "network/emails/registration_confirm",
        {
            "profile": profile,
            "url": reverse("network:confirm_registration", kwargs={"token": token}),
            "days": REGISTRATION_CONFIRMATION_DAYS,
        },
    )
    audit.record("member.registration_requested", profile, actor=None, origin="web")
    return profile


@transaction.atomic
def confirm_registration(token: str) -> MemberProfile:
    """The address is proven: active at once for a declared domain, else pending approval."""
    try:
        data = signing.loads(
            token, salt=REGISTRATION_SALT, max_age=timedelta(days=REGISTRATION_CONFIRMATION_DAYS)
        )
    except signing.BadSignature:
        raise RegistrationLinkUnusable() from None
    profile = (
        MemberProfile.objects.select_for_update()
        .select_related("user", "organisation")
        .filter(user_id=data.get("u"), status=MemberStatus.PENDING)
        .first()
    )
    if profile is None or profile.user.email.lower() != data.get("e"):
        raise RegistrationLinkUnusable()
    if profile.email_confirmed_at is not None:
        return profile
    now = timezone.now()
    profile.email_confirmed_at = now
    profile.save(update_fields=["email_confirmed_at"])
    user = profile.user
    if profile.organisation.approves_email(user.email):
        profile.status = MemberStatus.ACTIVE
        profile.approved_at = now
        profile.save(update_fields=["status", "approved_at"])
        user.is_active = True
        user.save(update_fields=["is_active"])
        user.groups.add(Group.objects.get_or_create(name=roles.PROFESSIONAL.name)[0])
        audit.record("member.registered", profile, actor=user, origin="web")
        member_joined.send(sender=MemberProfile, user=user)
    else:
        # A request to approve: at once or in each coordinator's daily digest.
        pending = reverse("network_members:index") + "?status=pending"
        for approver in _registration_approvers(profile.organisation):
            notify(
                approver,
                NotificationKind.APPROVALS,
                "network/emails/registration_pending",
                {"profile": profile, "url": pending},
                url=pending,
            )
        audit.record("member.email_confirmed", profile, actor=None, origin="web")
    return profile


@transaction.atomic
def approve_registration(actor: User, profile: MemberProfile) -> None:
    if not can(actor, "change", profile) or profile.user_id == actor.pk:
        raise NotAllowed()
    profile = MemberProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.status != MemberStatus.PENDING:
        return
    if profile.email_confirmed_at is None:
        raise NotAllowed(
            _("This person has not confirmed their e-mail address yet: approve it afterwards.")
        )
    profile.status = MemberStatus.ACTIVE
    profile.approved_at = timezone.now()
    profile.save(update_fields=["status", "approved_at"])
    user = profile.user
    user.is_active = True
    user.save(update_fields=["is_active"])
    user.groups.add(Group.objects.get_or_create(name=roles.PROFESSIONAL.name)[0])
    emails.send(
        [user.email],
        "network/emails/registration_approved",
        {"profile": profile, "url": reverse("login")},
        language=profile.preferred_language,
    )
    audit.record("member.approved", profile, actor=actor, origin="admin")
    member_joined.send(sender=MemberProfile, user=user)


@transaction.atomic
def reject_registration(actor: User, profile: MemberProfile) -> None:
    if not can(actor, "change", profile) or profile.user_id == actor.pk:
        raise NotAllowed()
    profile = MemberProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.status != MemberStatus.PENDING:
        return
    profile.status = MemberStatus.REJECTED
    profile.save(update_fields=["status"])
    emails.send(
        [profile.user.email],
        "network/emails/registration_rejected",
        {"profile": profile},
        language=profile.preferred_language,
    )
    audit.record("member.rejected", profile, actor=actor, origin="admin")


def end_sessions(user: User, *, keep: str | None = None) -> int:
    """Delete the sign-in sessions of a user, but `keep` (a session key): on deactivation,
    sign-out, a reset or a new second factor.

    Database sessions store the user id inside their signed data, so the live ones are
    decoded one by one: a few hundred rows at most (ten hours' worth, expired ones are purged
    every six hours), and no user -> key table to keep in step when Django changes a key.
    """
    user_id = str(user.pk)
    live = Session.objects.filter(expire_date__gt=timezone.now())
    if keep:
        live = live.exclude(session_key=keep)
    keys = [
        session.session_key
        for session in live.iterator()
        if str(session.get_decoded().get("_auth_user_id")) == user_id
    ]
    return Session.objects.filter(session_key__in=keys).delete()[0] if keys else 0


@transaction.atomic
def deactivate_member(actor: User, profile: MemberProfile) -> None:
    """Deactivate: no more sign-in, sessions ended, feed tokens revoked (via the signal)."""
    if not can(actor, "change", profile) or profile.user_id == actor.pk:
        raise NotAllowed()
    profile = MemberProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.status != MemberStatus.ACTIVE:
        raise NotAllowed(_("Only an active member can be deactivated."))
    user = profile.user
    profile.status = MemberStatus.DEACTIVATED
    profile.deactivated_at = timezone.now()
    profile.save(update_fields=["status", "deactivated_at"])
    user.is_active = False
    user.save(update_fields=["is_active"])
    end_sessions(user)
    audit.record("member.deactivated", profile, actor=actor, origin="admin")
    member_deactivated.send(sender=MemberProfile, user=user, actor=actor)


@transaction.atomic
def reactivate_member(actor: User, profile: MemberProfile) -> None:
    if not can(actor, "change", profile) or profile.user_id == actor.pk:
        raise NotAllowed()
    profile = MemberProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.status != MemberStatus.DEACTIVATED:
        return
    profile.status = MemberStatus.ACTIVE
    profile.deactivated_at = None
    profile.save(update_fields=["status", "deactivated_at"])
    profile.user.is_active = True
    profile.user.save(update_fields=["is_active"])
    audit.record("member.reactivated", profile, actor=actor, origin="admin")
