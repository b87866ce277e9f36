"""The privacy registry, a person's export and erasure, their commands and admin views."""

import io
import json
import zipfile
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import models
from django.test import RequestFactory
from django.test.utils import isolate_apps
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.models import EditingSession, FormState
from wagtail.documents.models import Document
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry, Page, PageLogEntry, Revision
from wagtail.users.models import UserProfile

from network import audit, privacy, roles
from network.models import AuditEntry, Commune, Invitation, MemberProfile, Organisation
from network.privacy_admin import menu_item
from network.privacy_services import erase_person, export_person, find_person

pytestmark = pytest.mark.django_db

FIRST, LAST = "Zénobie", "Quastrevil"
USERNAME, EMAIL = "zquastrevil", "zenobie.q@cpas-test.example"
NEEDLES = (FIRST, LAST, USERNAME, EMAIL)
User = get_user_model()


def _leaks(text: str) -> list[str]:
    """Which of the person's identifiers appear in the text, raw or JSON-escaped."""
    lowered = text.lower()
    return [
        needle
        for needle in NEEDLES
        if needle.lower() in lowered or json.dumps(needle)[1:-1].lower() in lowered
    ]


@pytest.fixture
def organisation():
    commune = Commune.objects.create(name="Esneux")
    organisation = Organisation.objects.create(name="CPAS de test", kind="cpas")
    organisation.communes.add(commune)
    return organisation


@pytest.fixture
def person(organisation):
    user = User.objects.create_user(
        USERNAME, EMAIL, "a-long-password", first_name=FIRST, last_name=LAST
    )
    profile = MemberProfile.objects.create(
        user=user, organisation=organisation, function="Assistante sociale", phone="+32 4 000"
    )
    profile.communes.add(*organisation.communes.all())
    return user


def _member(username: str, role: roles.Role, organisation: Organisation):
    roles.setup_roles()
    user = User.objects.create_user(username, f"{username}@test.example", "a-long-password")
    user.groups.add(Group.objects.get(name=role.name))
    MemberProfile.objects.create(user=user, organisation=organisation)
    return user


@pytest.fixture
def coordination(organisation):
    return _member("coord-reseau", roles.NETWORK_COORDINATION, organisation)


@pytest.fixture
def commune_coordinator(organisation):
    return _member("coord-commune", roles.COMMUNE_COORDINATOR, organisation)


@pytest.fixture
def professional(organisation):
    return _member("pro", roles.PROFESSIONAL, organisation)


def _session_for(user) -> str:
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session.create()
    return session.session_key


@pytest.fixture
def traces(person, coordination, organisation):
    """What a professional leaves behind across the platform and Wagtail."""
    profile = person.member_profile
    log(instance=profile, action="wagtail.edit", user=person)
    log(instance=profile, action="wagtail.edit", user=coordination)
    log(instance=person, action="wagtail.edit", user=coordination)
    log(instance=organisation, action="wagtail.edit", user=person)
    colleague = User.objects.create_user("otiers", first_name="Octave", last_name="Tiersnom")
    colleague_profile = MemberProfile.objects.create(user=colleague, organisation=organisation)
    log(instance=colleague_profile, action="wagtail.edit", user=person)
    log(
        instance=organisation,
        action="wagtail.edit",
        user=coordination,
        data={"note": f"{FIRST} {LAST} joined"},
    )
    home = Page.objects.get(depth=2).specific
    home.owner = person
    home.save()
    page_revision = home.save_revision(user=person)
    log(instance=home, action="wagtail.edit", user=person)
    profile_type = ContentType.objects.get_for_model(MemberProfile)
    Revision.objects.create(
        content_type=profile_type,
        object_id=str(profile.pk),
        user=coordination,
        object_str=str(profile),
        content={"function": profile.function, "name": f"{FIRST} {LAST}"},
    )
    EditingSession.objects.create(
        user=person,
        content_type=profile_type,
        object_id=str(profile.pk),
        last_seen_at=timezone.now(),
    )
    FormState.objects.create(
        user=coordination,
        content_type=profile_type,
        object_id=str(profile.pk),
        data=f"last_name={LAST}",
        last_updated_at=timezone.now(),
    )
    UserProfile.get_for_user(person)
    Invitation.objects.create(
        email=EMAIL.upper(),
        first_name=FIRST,
        last_name=LAST,
        organisation=organisation,
        token_hash="a" * 64,
        invited_by=coordination,
        expires_at=timezone.now() + timedelta(days=7),
        accepted_at=timezone.now(),
        accepted_user=person,
    )
    Invitation.objects.create(
        email="someone.else@test.example",
        organisation=organisation,
        token_hash="b" * 64,
        invited_by=person,
        expires_at=timezone.now() + timedelta(days=7),
    )
    document = Document(title="Procédure", uploaded_by_user=person)
    document.file.save("procedure.txt", ContentFile(b"x"), save=False)
    document.save()
    audit.record("member.edit", profile, actor=coordination, origin="test")
    return {
        "colleague_profile": colleague_profile,
        "home": home,
        "page_revision": page_revision,
        "document": document,
        "session": _session_for(person),
        "other_session": _session_for(coordination),
    }


# --- the registry ------------------------------------------------------------------------------


def test_every_installed_model_is_registered_or_declared_without_personal_data():
    assert privacy.undeclared_models() == []


def test_a_model_with_personal_data_left_undeclared_is_caught():
    with isolate_apps("network"):

        class Newsletter(models.Model):  # noqa: DJ008 (a throwaway)
            email = models.EmailField()

            class Meta:
                app_label = "maillage_network"

        assert privacy.undeclared_models([Newsletter, Commune]) == [Newsletter]
        privacy.declare_no_personal_data(Newsletter, "only for this test")
        try:
            assert privacy.undeclared_models([Newsletter]) == []
        finally:
            privacy.unregister(Newsletter)
        assert privacy.undeclared_models([Newsletter]) == [Newsletter]


def test_every_model_pointing_to_a_person_is_registered_as_personal():
    personal = {entry.key for entry in privacy.registered()}
    pointing = {field.model._meta.label_lower for field in privacy.user_pointers()}
    assert pointing - personal == set()


def test_every_registration_says_why_on_what_basis_and_how_long():
    for entry in privacy.registered():
        assert str(entry.purpose) and str(entry.legal_basis) and str(entry.retention), entry.key


def test_the_django_admin_log_is_registered_only_when_the_admin_is_installed(monkeypatch):
    without = privacy.register_defaults(privacy.PrivacyRegistry())
    assert "admin.logentry" not in {entry.key for entry in without.registered()}

    # Installing django.contrib.admin for one test would re-run every app's ready(): stand in
    # for its LogEntry with a model of the same shape instead.
    with isolate_apps("network"):

        class LogEntry(models.Model):  # noqa: DJ008 (a throwaway)
            action_time = models.DateTimeField()
            user = models.ForeignKey(User, models.CASCADE)
            content_type = models.ForeignKey(ContentType, models.SET_NULL, null=True)
            object_id = models.TextField(null=True)
            object_repr = models.CharField(max_length=200)
            change_message = models.TextField()

            class Meta:
                app_label = "admin"

        installed = privacy._installed
        monkeypatch.setattr(
            privacy,
            "_installed",
            lambda label: LogEntry if label == "admin.LogEntry" else installed(label),
        )
        with_admin = privacy.register_defaults(privacy.PrivacyRegistry())
        entry = with_admin.entry_for(LogEntry)
        assert entry in with_admin.registered()
        assert entry.order < with_admin.entry_for(User).order


# --- erasure -----------------------------------------------------------------------------------


def _dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", format="json", stdout=out, verbosity=0)
    return out.getvalue()


def test_erasure_leaves_no_trace_of_the_person_anywhere(traces, person, coordination):
    pk = person.pk
    assert _leaks(_dump()) == list(NEEDLES)  # the dump does see them before

    counts = erase_person(person, actor=coordination, origin="test")

    assert _leaks(_dump()) == []
    assert counts["auth.user"] == 1
    assert counts["maillage_network.memberprofile"] == 1
    assert not User.objects.filter(pk=pk).exists()
    # Nothing points to them, not even Wagtail's unconstrained log columns.
    for field in privacy.user_pointers():
        assert not field.model._default_manager.filter(**{field.attname: pk}).exists(), field
    page_revision = Revision.objects.get(pk=traces["page_revision"].pk)
    assert page_revision.user is None
    assert page_revision.content["owner"] is None
    assert not Session.objects.filter(session_key=traces["session"]).exists()


def test_erasure_keeps_everyone_else_s_data(traces, person, coordination, organisation):
    erase_person(person, actor=coordination, origin="test")

    assert Session.objects.filter(session_key=traces["other_session"]).exists()
    assert User.objects.filter(pk=coordination.pk).exists()
    assert Page.objects.filter(pk=traces["home"].pk).exists()
    assert Document.objects.get(pk=traces["document"].pk).uploaded_by_user is None
    assert ModelLogEntry.objects.filter(user=coordination, object_id=str(organisation.pk)).exists()
    assert PageLogEntry.objects.filter(page=traces["home"], user=None).exists()
    assert Invitation.objects.filter(email="someone.else@test.example", invited_by=None).exists()
    colleague_entry = ModelLogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(MemberProfile),
        object_id=str(traces["colleague_profile"].pk),
    )
    assert (colleague_entry.label, colleague_entry.user) == ("Octave Tiersnom", None)


def test_erasure_is_audited_under_the_pseudonymous_key_only(traces, person, coordination):
    key = audit.user_key(person)

    erase_person(person, actor=coordination, origin="test")

    entry = AuditEntry.objects.get(action="privacy.erase")
    assert (entry.object_type, entry.object_key) == ("auth.user", key)
    assert entry.actor_key == audit.user_key(coordination)
    assert AuditEntry.objects.filter(action="member.edit", object_key=key).exists()
    assert _leaks(json.dumps(list(AuditEntry.objects.values()), default=str)) == []


def test_nobody_erases_themselves_and_nothing_is_written_then(coordination):
    from network.exceptions import NotAllowed

    with pytest.raises(NotAllowed):
        erase_person(coordination, actor=coordination, origin="test")
    assert User.objects.filter(pk=coordination.pk).exists()
    assert not AuditEntry.objects.filter(action="privacy.erase").exists()


# --- export ------------------------------------------------------------------------------------


def _open(archive: bytes) -> tuple[dict, str]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        assert sorted(zipped.namelist()) == ["donnees.json", "resume.txt"]
        return json.loads(zipped.read("donnees.json")), zipped.read("resume.txt").decode()


def test_export_holds_their_data_in_local_time_and_a_french_summary(traces, person, coordination):
    data, summary = _open(export_person(person, actor=coordination, origin="test"))

    held = data["models"]
    account = held["auth.user"]["rows"][0]
    assert (account["first_name"], account["last_name"], account["email"]) == (FIRST, LAST, EMAIL)
    assert "password" not in account
    profile = held["maillage_network.memberprofile"]["rows"][0]
    assert profile["organisation"] == "CPAS de test"
    assert profile["communes"] == ["Esneux"]
    created = datetime.fromisoformat(profile["created_at"])
    assert created.utcoffset() == timezone.localtime(person.member_profile.created_at).utcoffset()
    received = [row for row in held["maillage_network.invitation"]["rows"] if row["received"]]
    assert [row["email"] for row in received] == [EMAIL.upper()]
    assert len(held["sessions.session"]["rows"]) == 1
    assert len(held["wagtailcore.modellogentry"]["rows"]) == 5
    assert held["maillage_network.memberprofile"]["legal_basis"]
    text = json.dumps(data, ensure_ascii=False)
    assert "someone.else@test.example" not in text  # not theirs to receive
    assert "Tiersnom" not in text  # nor the name of a colleague whose profile they edited
    assert traces["session"] not in text  # a session key would let the reader sign in

    assert "Données personnelles détenues par Maillage" in summary
    assert "Finalité :" in summary and "Conservation :" in summary
    assert "Vos droits" in summary
    assert USERNAME in summary


def test_export_is_audited_without_the_name(traces, person, coordination):
    export_person(person, actor=coordination, origin="test")

    entry = AuditEntry.objects.get(action="privacy.export")
    assert (entry.object_type, entry.object_key) == ("auth.user", audit.user_key(person))
    assert entry.actor_key == audit.user_key(coordination)
    assert _leaks(json.dumps(list(AuditEntry.objects.values()), default=str)) == []


def test_people_are_found_by_username_or_e_mail_in_any_case(person):
    assert find_person(USERNAME.upper()) == person
    assert find_person(f"  {EMAIL.upper()} ") == person


# --- commands ----------------------------------------------------------------------------------


def test_export_command_writes_the_archive(person, tmp_path, monkeypatch):
    target = tmp_path / "out.zip"
    call_command("privacy_export", EMAIL.upper(), output=str(target), stdout=io.StringIO())
    data, _summary = _open(target.read_bytes())
    assert data["account"] == USERNAME

    monkeypatch.chdir(tmp_path)
    call_command("privacy_export", USERNAME, stdout=io.StringIO())
    assert (tmp_path / f"export-{USERNAME}-{timezone.localdate().isoformat()}.zip").exists()
    assert AuditEntry.objects.filter(action="privacy.export", origin="shell").count() == 2


def test_commands_refuse_an_unknown_person(db):
    with pytest.raises(CommandError, match="No account has this username or e-mail"):
        call_command("privacy_export", "nobody@test.example")
    with pytest.raises(CommandError, match="No account has this username or e-mail"):
        call_command("privacy_erase", "nobody", "--yes")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_erase_command_refuses_without_yes_and_without_a_terminal(person, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="--yes"):
        call_command("privacy_erase", USERNAME)
    assert User.objects.filter(pk=person.pk).exists()


def test_erase_command_asks_to_type_the_username(person, monkeypatch):
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: "someone-else")
    with pytest.raises(CommandError, match="does not match"):
        call_command("privacy_erase", USERNAME, stdout=io.StringIO())
    assert User.objects.filter(pk=person.pk).exists()

    monkeypatch.setattr("builtins.input", lambda prompt: USERNAME)
    call_command("privacy_erase", USERNAME, stdout=io.StringIO())
    assert not User.objects.filter(pk=person.pk).exists()


def test_erase_command_with_yes_erases_at_once(traces, person):
    out = io.StringIO()
    call_command("privacy_erase", EMAIL.upper(), "--yes", stdout=out)
    assert not User.objects.filter(pk=person.pk).exists()
    assert "maillage_network.memberprofile: 1" in out.getvalue()
    assert AuditEntry.objects.filter(action="privacy.erase", origin="shell").exists()


# --- admin views -------------------------------------------------------------------------------


def _urls(person) -> dict[str, str]:
    return {
        "index": reverse("network_privacy_index"),
        "person": reverse("network_privacy_person", kwargs={"user_id": person.pk}),
        "export": reverse("network_privacy_export", kwargs={"user_id": person.pk}),
        "erase": reverse("network_privacy_erase", kwargs={"user_id": person.pk}),
    }


def test_network_coordination_finds_the_person_and_sees_what_is_held(
    client, traces, person, coordination
):
    urls = _urls(person)
    client.force_login(coordination)

    found = client.get(urls["index"], {"q": "quastre zén"})
    assert found.status_code == 200
    assert urls["person"] in found.content.decode()

    page = client.get(urls["person"])
    assert page.status_code == 200
    held = {str(row["label"]): row["count"] for row in page.context["held"]}
    assert held[str(privacy.registry.entry_for(MemberProfile).label)] == 1
    assert held[str(privacy.registry.entry_for(Session).label)] == 1
    assert page.context["erasure_refusal"] is None


@pytest.mark.parametrize("who", ["commune_coordinator", "professional"])
def test_nobody_else_reaches_the_privacy_desk(client, request, person, who):
    urls = _urls(person)
    client.force_login(request.getfixturevalue(who))
    admin_access = who == "commune_coordinator"

    for name in ("index", "person"):
        response = client.get(urls[name])
        if admin_access:
            assert response.status_code == 403
        else:
            # Wagtail stops anyone without admin access before our view, with a redirect.
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("wagtailadmin_login"))
    for name in ("export", "erase"):
        response = client.post(urls[name], {"confirmation": USERNAME})
        assert response.status_code == (403 if admin_access else 302)
    assert User.objects.filter(pk=person.pk).exists()
    assert not AuditEntry.objects.filter(action__startswith="privacy.").exists()


def test_export_download_is_post_only_and_audited(client, person, coordination):
    urls = _urls(person)
    client.force_login(coordination)

    assert client.get(urls["export"]).status_code == 405
    response = client.post(urls["export"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"export-{USERNAME}-" in response["Content-Disposition"]
    data, _summary = _open(response.content)
    assert data["account"] == USERNAME
    assert AuditEntry.objects.filter(action="privacy.export", origin="admin").count() == 1


def test_erasure_with_a_wrong_confirmation_erases_nothing(client, traces, person, coordination):
    urls = _urls(person)
    client.force_login(coordination)

    assert client.get(urls["erase"]).status_code == 405
    response = client.post(urls["erase"], {"confirmation": USERNAME.upper()})

    assert response.status_code == 200
    assert response.context["erasure_form"].errors["confirmation"]
    assert User.objects.filter(pk=person.pk).exists()
    assert MemberProfile.objects.filter(user=person).exists()
    assert not AuditEntry.objects.filter(action="privacy.erase").exists()


def test_erasure_with_the_username_typed_erases_the_person(client, traces, person, coordination):
    urls = _urls(person)
    client.force_login(coordination)

    response = client.post(urls["erase"], {"confirmation": USERNAME})

    assert response.status_code == 302
    assert response["Location"] == urls["index"]
    assert not User.objects.filter(pk=person.pk).exists()
    assert AuditEntry.objects.filter(action="privacy.erase", origin="admin").count() == 1
    client.get(urls["index"])  # the success message, stored and shown, names nobody
    assert _leaks(_dump()) == []


def test_the_coordination_cannot_erase_itself_from_the_desk(client, coordination):
    urls = _urls(coordination)
    client.force_login(coordination)

    assert client.get(urls["person"]).context["erasure_refusal"]
    response = client.post(urls["erase"], {"confirmation": coordination.username})
    assert response.status_code == 302
    assert User.objects.filter(pk=coordination.pk).exists()


def test_the_menu_entry_shows_for_the_network_coordination_only(
    coordination, commune_coordinator, professional
):
    item = menu_item()
    request = RequestFactory().get("/admin/")
    for user, shown in ((coordination, True), (commune_coordinator, False), (professional, False)):
        request.user = user
        assert item.is_shown(request) is shown
