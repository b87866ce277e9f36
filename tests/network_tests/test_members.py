"""Members: invitation, self-registration, approval, deactivation, and the commune scope."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail

from network import permissions, roles
from network.models import AuditEntry, Invitation, MemberProfile, MemberStatus, Organisation
from network.signals import member_deactivated

pytestmark = pytest.mark.django_db

User = get_user_model()


def _invite(client, email="nouveau.pro@cpas-esneux.example", organisation="CPAS d'Esneux"):
    org = Organisation.objects.get(name=organisation)
    return client.post(
        "/admin/membres/inviter/",
        {
            "email": email,
            "first_name": "Noé",
            "last_name": "Lambotte",
            "organisation": org.pk,
            "function": "Assistant social",
            "role": "professional",
        },
    )


def test_coordinator_invites_and_the_person_accepts(client, signed_in, demo_data):
    signed_in("coord-esneux")
    response = _invite(client)
    assert response.status_code == 302
    assert response["Location"] == "/admin/membres/invitations/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nouveau.pro@cpas-esneux.example"]
    assert message.subject.startswith("Invitation à rejoindre Maillage")
    link = re.search(r"https?://[^/\s]+(/invitation/\S+/)", message.body).group(1)
    token = link.split("/")[2]
    invitation = Invitation.objects.get(email="nouveau.pro@cpas-esneux.example")
    assert token not in invitation.token_hash  # only a hash is stored
    assert AuditEntry.objects.filter(action="member.invite").exists()

    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert (
        "Accepter l’invitation" in page.content.decode()
        or "Accepter l'invitation" in page.content.decode()
    )
    done = client.post(
        link,
        {
            "first_name": "Noé",
            "last_name": "Lambotte",
            "password1": "Une-phrase-longue-42",
            "password2": "Une-phrase-longue-42",
        },
    )
    assert done["Location"] == "/mon-parcours/"
    user = User.objects.get(email="nouveau.pro@cpas-esneux.example")
    assert user.is_active
    assert user.member_profile.organisation.name == "CPAS d'Esneux"
    assert list(user.groups.values_list("name", flat=True)) == [roles.PROFESSIONAL.name]
    # The link works once.
    client.logout()
    again = client.get(link)
    assert again.status_code == 404
    assert (
        "n’est plus valable" in again.content.decode() or "plus valable" in again.content.decode()
    )


def test_invitation_with_mismatched_passwords_keeps_the_names(client, signed_in, demo_data):
    signed_in("coord-esneux")
    _invite(client)
    link = re.search(r"(/invitation/\S+/)", mail.outbox[0].body).group(1)
    client.logout()
    response = client.post(
        link,
        {
            "first_name": "Noé",
            "last_name": "Lambotte",
            "password1": "Une-phrase-longue-42",
            "password2": "autre",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Les deux mots de passe sont différents" in html
    assert 'value="Lambotte"' in html
    assert not User.objects.filter(email="nouveau.pro@cpas-esneux.example").exists()


def test_coordinator_cannot_invite_into_another_communes_organisation(client, signed_in, demo_data):
    signed_in("coord-esneux")
    response = _invite(client, organisation="CPAS d'Aywaille")
    assert response.status_code == 200  # the form says the choice is not valid
    assert mail.outbox == []
    assert not Invitation.objects.filter(email="nouveau.pro@cpas-esneux.example").exists()


def test_inviting_an_address_already_used_is_refused(client, signed_in, demo_data):
    signed_in("coord-esneux")
    response = _invite(client, email="Camille.Renson@cpas-esneux.example")
    assert response.status_code == 200
    assert "Un compte utilise déjà cette adresse" in response.content.decode()


def _register(client, email, organisation="CPAS d'Esneux"):
    return client.post(
        "/inscription/",
        {
            "first_name": "Inès",
            "last_name": "Dumoulin",
            "email": email,
            "organisation": Organisation.objects.get(name=organisation).pk,
            "function": "Éducatrice",
            "phone": "+32 4 000 00 01",
            "password1": "Une-phrase-longue-42",
            "password2": "Une-phrase-longue-42",
        },
    )


def _confirmation_link():
    return re.search(r"https?://[^/\s]+(/inscription/confirmer/\S+/)", mail.outbox[-1].body).group(
        1
    )


def test_self_registration_with_a_declared_domain_is_active_once_the_address_is_confirmed(
    client, demo_data
):
    response = _register(client, "ines.dumoulin@CPAS-Esneux.example")
    assert response.status_code == 200
    assert "Consultez votre messagerie" in response.content.decode()
    profile = MemberProfile.objects.get(user__email__iexact="ines.dumoulin@cpas-esneux.example")
    assert profile.status == MemberStatus.PENDING and not profile.user.is_active
    assert mail.outbox[-1].to == ["ines.dumoulin@CPAS-Esneux.example"]

    confirmed = client.get(_confirmation_link())
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/mon-parcours/"
    profile.refresh_from_db()
    assert profile.status == MemberStatus.ACTIVE
    assert profile.user.is_active and profile.email_confirmed_at
    assert client.get("/mon-parcours/").status_code == 200


def test_a_forged_or_altered_confirmation_link_is_refused(client, demo_data):
    _register(client, "ines.dumoulin@cpas-esneux.example")
    link = _confirmation_link()
    response = client.get(link[:-3] + "xx/")
    assert response.status_code == 404
    assert not User.objects.get(email="ines.dumoulin@cpas-esneux.example").is_active


def test_self_registration_with_another_domain_waits_for_the_coordinator(
    client, signed_in, demo_data
):
    _register(client, "ines.dumoulin@webmail.example")
    response = client.get(_confirmation_link())
    assert response.status_code == 200
    assert "Demande envoyée" in response.content.decode()
    profile = MemberProfile.objects.get(user__email="ines.dumoulin@webmail.example")
    assert profile.status == MemberStatus.PENDING
    assert not profile.user.is_active
    assert mail.outbox[-1].to == ["marc.halleux@esneux.example"]  # the coordinator of Esneux
    assert not client.login(username=profile.user.username, password="Une-phrase-longue-42")

    signed_in("coord-esneux")
    listing = client.get("/admin/membres/?status=pending").content.decode()
    assert "Dumoulin" in listing
    assert client.post(f"/admin/membres/approve/{profile.pk}/").status_code == 302
    profile.refresh_from_db()
    assert profile.status == MemberStatus.ACTIVE
    assert mail.outbox[-1].to == ["ines.dumoulin@webmail.example"]
    assert client.login(username="ines.dumoulin@webmail.example", password="Une-phrase-longue-42")


def test_registration_errors_are_in_french_and_keep_the_input(client, demo_data):
    response = client.post("/inscription/", {"first_name": "Inès", "email": "pas-une-adresse"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saisissez une adresse de courriel valide" in html
    assert "Champ requis" in html
    assert 'value="Inès"' in html


def test_deactivation_ends_sessions_and_signals(client, signed_in, esneux_member, demo_data):
    from django.test import Client

    member_client = Client()
    esneux_member.user.set_password("Une-phrase-longue-42")
    esneux_member.user.save()
    assert member_client.login(
        username=esneux_member.user.username, password="Une-phrase-longue-42"
    )
    received = []
    member_deactivated.connect(
        lambda sender, **kw: received.append(kw["user"].pk), weak=False, dispatch_uid="t"
    )
    try:
        signed_in("coord-esneux")
        confirm = client.get(f"/admin/membres/deactivate/{esneux_member.pk}/")
        assert confirm.status_code == 200
        assert client.post(f"/admin/membres/deactivate/{esneux_member.pk}/").status_code == 302
    finally:
        member_deactivated.disconnect(dispatch_uid="t")
    esneux_member.refresh_from_db()
    assert esneux_member.status == MemberStatus.DEACTIVATED
    assert not esneux_member.user.is_active
    assert received == [esneux_member.user_id]
    assert member_client.get("/mon-parcours/").status_code == 302  # signed out
    for session in Session.objects.all():
        assert str(session.get_decoded().get("_auth_user_id")) != str(esneux_member.user_id)


def test_commune_coordinator_sees_only_members_of_their_communes(
    client, signed_in, esneux_member, aywaille_member
):
    coordinator = signed_in("coord-esneux")
    listing = coordinator.get("/admin/membres/").content.decode()
    assert str(esneux_member) in listing
    assert str(aywaille_member) not in listing
    for view in ("edit", "history", "usage", "deactivate", "delete"):
        response = coordinator.get(f"/admin/membres/{view}/{aywaille_member.pk}/")
        assert response.status_code in (403, 404), view
    response = coordinator.post(
        f"/admin/membres/edit/{aywaille_member.pk}/", {"first_name": "X", "last_name": "Y"}
    )
    assert response.status_code in (403, 404)
    assert coordinator.post(f"/admin/membres/deactivate/{aywaille_member.pk}/").status_code == 404
    aywaille_member.refresh_from_db()
    assert aywaille_member.status == MemberStatus.ACTIVE


def test_members_of_shared_organisations_belong_to_the_communes_where_they_work(users):
    """The police zone serves all five communes: its officers are scoped by their communes."""
    from network.models import Commune

    police = MemberProfile.objects.filter(organisation__kind="police").first()
    police.communes.set([Commune.objects.get(name="Esneux")])
    assert permissions.can(users["coord-esneux"], "change", police)
    assert not permissions.can(users["coord-aywaille"], "change", police)
    assert permissions.can(users["coordination"], "change", police)


def test_commune_coordinator_cannot_touch_coordinators_or_widen_their_scope(
    client, signed_in, users
):
    coordination = users["coordination"].member_profile
    own = users["coord-esneux"].member_profile
    signed_in("coord-esneux")
    assert client.get(f"/admin/membres/edit/{coordination.pk}/").status_code == 404
    assert client.post(f"/admin/membres/deactivate/{coordination.pk}/").status_code == 404
    assert client.get(f"/admin/membres/edit/{own.pk}/").status_code == 404
    coordination.refresh_from_db()
    assert coordination.status == MemberStatus.ACTIVE


def test_communes_outside_the_coordinators_scope_are_neither_offered_nor_lost(
    client, signed_in, esneux_member
):
    from network.models import Commune

    aywaille, esneux = Commune.objects.get(name="Aywaille"), Commune.objects.get(name="Esneux")
    esneux_member.communes.set([esneux, aywaille])
    signed_in("coord-esneux")
    form = client.get(f"/admin/membres/edit/{esneux_member.pk}/").content.decode()
    assert f'name="communes" value="{esneux.pk}"' in form
    assert f'name="communes" value="{aywaille.pk}"' not in form
    response = client.post(
        f"/admin/membres/edit/{esneux_member.pk}/",
        {
            "first_name": esneux_member.user.first_name,
            "last_name": esneux_member.user.last_name,
            "email": esneux_member.user.email,
            "organisation": esneux_member.organisation_id,
            "function": "Assistant social",
            "communes": [esneux.pk],
            "preferred_language": "fr",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert set(esneux_member.communes.all()) == {esneux, aywaille}
    injected = client.post(
        f"/admin/membres/edit/{esneux_member.pk}/",
        {
            "first_name": "X",
            "last_name": "Y",
            "email": esneux_member.user.email,
            "organisation": esneux_member.organisation_id,
            "communes": [aywaille.pk, Commune.objects.get(name="Trooz").pk],
            "preferred_language": "fr",
        },
    )
    assert injected.status_code == 200  # "not one of the available choices"
    esneux_member.refresh_from_db()
    assert esneux_member.user.first_name != "X"


def test_commune_coordinator_cannot_change_a_shared_organisation(client, signed_in, demo_data):
    police = Organisation.objects.get(kind="police")
    signed_in("coord-esneux")
    assert client.get(f"/admin/organisations/edit/{police.pk}/").status_code == 404
    local = Organisation.objects.get(name="CPAS d'Esneux")
    response = client.post(
        f"/admin/organisations/edit/{local.pk}/",
        {
            "name": local.name,
            "kind": local.kind,
            "communes": [c.pk for c in local.communes.all()],
            "email_domains": "gmail.com",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert (
        "service de messagerie public" in response.content.decode()
        or "public" in response.content.decode()
    )
    local.refresh_from_db()
    assert local.email_domains == "cpas-esneux.example"


def test_an_invitation_only_replaces_invitations_the_coordinator_can_see(users):
    from network import services
    from network.models import Commune

    aywaille_invitation = services.invite_member(
        users["coord-aywaille"],
        email="victime.test@secova.example",
        organisation=Organisation.objects.get(kind="police"),
        communes=[Commune.objects.get(name="Aywaille")],
    ).invitation
    services.invite_member(
        users["coord-esneux"],
        email="VICTIME.TEST@secova.example",
        organisation=Organisation.objects.get(kind="police"),
        communes=[Commune.objects.get(name="Esneux")],
    )
    aywaille_invitation.refresh_from_db()
    assert aywaille_invitation.is_usable


def test_a_pending_registration_cannot_be_activated_by_deactivating_it(users):
    from network import services
    from network.exceptions import NotAllowed

    pending = MemberProfile.objects.get(user__username="attente-1")
    with pytest.raises(NotAllowed):
        services.deactivate_member(users["coord-esneux"], pending)


def test_secret_tokens_never_reach_the_logs():
    from hub.logging import redact

    assert redact("Not Found: /invitation/abcDEF123_-/") == "Not Found: /invitation/[…]/"
    assert "abc" not in redact('"GET /inscription/confirmer/abc:def:ghi/ HTTP/1.1" 404')
    assert "Mjk" not in redact("/mot-de-passe/reinitialiser/Mjk/set-password/")


def test_permission_layer_queries_for_members(users, django_assert_max_num_queries):
    coordinator = users["coord-esneux"]
    with django_assert_max_num_queries(4):
        ids = list(permissions.visible(coordinator, MemberProfile).values_list("pk", flat=True))
    assert ids
    professional = users["professionnelle"]
    assert list(
        permissions.visible(professional, MemberProfile).values_list("user__username", flat=True)
    ) == ["professionnelle"]


def test_member_edits_their_own_profile_and_language(client, signed_in, demo_data):
    signed_in("professionnelle")
    page = client.get("/mon-compte/")
    assert page.status_code == 200
    response = client.post(
        "/mon-compte/",
        {
            "first_name": "Camille",
            "last_name": "Renson",
            "function": "Assistante sociale",
            "phone": "+32 4 000 00 02",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 302
    assert client.cookies["maillage_language"].value == "en"
    assert "My account" in client.get("/mon-compte/").content.decode()


def test_audit_log_is_for_the_network_coordination_and_holds_no_names(client, signed_in, demo_data):
    signed_in("coord-esneux")
    _invite(client)
    assert client.get("/admin/journal/").status_code in (302, 403)
    assert client.get("/admin/journal/export/").status_code in (302, 403)
    signed_in("coordination")
    assert client.get("/admin/journal/").status_code == 200
    export = client.get("/admin/journal/export/")
    assert export.status_code == 200
    content = export.content.decode("utf-8-sig")
    assert "member.invite" in content
    assert "Lambotte" not in content and "nouveau.pro" not in content
    entry = AuditEntry.objects.first()
    with pytest.raises(Exception):
        entry.save()


def test_audit_log_is_purged_after_its_retention(settings):
    from datetime import timedelta

    from django.utils import timezone

    from network.tasks import purge_audit_log_task

    settings.MAILLAGE_AUDIT_RETENTION_DAYS = 30
    old = AuditEntry.objects.create(action="old", at=timezone.now() - timedelta(days=31))
    recent = AuditEntry.objects.create(action="recent", at=timezone.now() - timedelta(days=29))
    purge_audit_log_task.enqueue()
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()


def test_member_listing_query_count_does_not_grow_with_members(client, signed_in, demo_data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed_in("coord-esneux")
    organisation = Organisation.objects.get(name="CPAS d'Esneux")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/membres/").status_code == 200
        return len(queries)

    client.get("/admin/membres/")
    small = count()
    for index in range(6):
        user = User.objects.create_user(f"extra-{index}", email=f"extra{index}@cpas-esneux.example")
        MemberProfile.objects.create(user=user, organisation=organisation)
    assert count() == small
