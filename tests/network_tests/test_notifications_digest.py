"""Notifications per kind (roster changes, gaps, approvals, reminders): each person chooses an
e-mail each time or a daily digest (network.notifications); the digest goes once a day from
07:00 Brussels time through `run_due_jobs`, in plain French text, with the link where to act and
never a child's name. Every e-mail template links to the site."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from groups import services as group_services
from groups.models import (
    CycleStatus,
    Membership,
    MembershipStatus,
    Participant,
    ReferralSource,
    SafetyInstruction,
    SafetyKind,
)
from network import roles
from network.models import (
    Delivery,
    MemberProfile,
    NotificationKind,
    NotificationPreference,
    PendingNotification,
)
from network.notifications import (
    notify,
    preferences_of,
    send_digests,
    set_preferences,
)
from sessions.models import Assignment, StaffRole
from tests.groups_tests import factories as f

pytestmark = pytest.mark.django_db

BASE = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
TITLE = "Groupe enfants — Esneux"
ALIAS = "Zoélie-Testine"
ADULT = "M. Dupont-Essai"  # named in the child's safety instruction
INTERNAL_CYCLE = "Fratrie Dupont-Essai, Esneux"
WHEN = {"date": "01/01/2031", "time": "16:00", "end": "17:30"}


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return f.local(day, dt.time(hour, minute))


def run_due_jobs(moment: dt.datetime) -> None:
    with time_machine.travel(moment, tick=False):
        call_command("run_due_jobs", stdout=StringIO())


def mails_to(outbox, person) -> list:
    return [message for message in outbox if message.to == [person.email]]


def day_of(session) -> dt.date:
    return timezone.localtime(session.start).date()


@pytest.fixture
def scene(demo_data):
    """Three Wednesdays in Esneux a year away, led by anim-03 with anim-04; a child admitted,
    with a safety instruction naming an adult; a coordinator in charge."""
    coordinator = f.member("nd-coord", roles.COMMUNE_COORDINATOR, ("Esneux",))
    cycle = f.cycle(
        f.wednesdays(f.quiet_month(), 3),
        coordinator=coordinator,
        status=CycleStatus.RUNNING,
        name=INTERNAL_CYCLE,
    )
    meetings = f.meetings(cycle)
    lead, co = f.user("anim-03"), f.user("anim-04")
    for session in meetings:
        f.assign(session, lead, StaffRole.LEAD)
        f.assign(session, co)
    child = Participant.objects.create(
        alias=ALIAS, birth_year=2016, referral_source=ReferralSource.SCHOOL, commune=f.commune()
    )
    SafetyInstruction.objects.create(participant=child, kind=SafetyKind.NEVER_HAND_OVER, who=ADULT)
    Membership.objects.create(cycle=cycle, participant=child, status=MembershipStatus.ADMITTED)
    return SimpleNamespace(
        coordinator=coordinator, cycle=cycle, meetings=meetings, lead=lead, co=co, child=child
    )


def a_day_of_digests() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def roster_changes(scene, capture) -> None:
    """anim-03 declares an absence (a gap for the coordinator, released meetings for them),
    anim-04 proposes a swap (a request to approve; anim-05 is told), the coordinator takes
    anim-03 off the last meeting."""
    m = scene.meetings
    with capture(execute=True):
        group_services.declare_absence(scene.lead, scene.lead, day_of(m[0]), day_of(m[0]))
    with capture(execute=True):
        group_services.propose_swap(scene.co, m[1], f.user("anim-05"))
    with capture(execute=True):
        seat = Assignment.objects.get(session=m[2], person=scene.lead)
        group_services.unassign(scene.coordinator, seat)


# --- at once, or kept for the digest -----------------------------------------------------------


def test_immediately_by_default_with_the_calendar_cancellation(
    scene, mailoutbox, django_capture_on_commit_callbacks
):
    seat = Assignment.objects.get(session=scene.meetings[0], person=scene.lead)
    with django_capture_on_commit_callbacks(execute=True):
        group_services.unassign(scene.coordinator, seat)
    (message,) = mailoutbox
    assert message.to == [scene.lead.email]
    assert f"{BASE}/mes-groupes/" in message.body
    ((name, _content, mimetype),) = message.attachments
    assert name.endswith(".ics") and "method=CANCEL" in mimetype
    assert not PendingNotification.objects.exists()


@pytest.mark.parametrize("chosen", list(NotificationKind))
def test_each_kind_follows_its_own_choice(demo_data, mailoutbox, chosen):
    person = f.member("nd-kinds", roles.FACILITATOR, ("Esneux",))
    set_preferences(person, {chosen: Delivery.DIGEST})
    for kind in NotificationKind:
        outcome = notify(
            person,
            kind,
            "groups/emails/unassigned",
            {"title": TITLE, "when": WHEN},
            url="/mes-groupes/",
        )
        assert outcome == (Delivery.DIGEST if kind == chosen else Delivery.IMMEDIATE)
    assert len(mailoutbox) == len(NotificationKind) - 1
    (item,) = PendingNotification.objects.filter(user=person)
    assert item.kind == chosen and item.sent_at is None
    # Rendered now, in the person's language, without the platform's name in front.
    assert item.subject == f"vous n'animez plus « {TITLE} » le 01/01/2031"
    assert item.url == f"{BASE}/mes-groupes/"


def test_the_profile_switches_hold_for_both_deliveries(demo_data, mailoutbox):
    person = f.member("nd-off", roles.FACILITATOR, ("Esneux",))
    set_preferences(person, {NotificationKind.ROSTER: Delivery.DIGEST}, reminders=False)

    def tell(kind):
        # As the callers do: the person as read from the database, with their profile.
        fresh = f.user("nd-off")
        return notify(fresh, kind, "groups/emails/unassigned", {"title": TITLE}, url="/")

    assert tell(NotificationKind.REMINDERS) is None
    assert tell(NotificationKind.GAPS) == Delivery.IMMEDIATE
    assert tell(NotificationKind.ROSTER) == Delivery.DIGEST
    set_preferences(person, {}, by_email=False)
    assert all(tell(kind) is None for kind in NotificationKind)
    assert len(mailoutbox) == 1
    assert PendingNotification.objects.filter(user=person).count() == 1


def test_a_change_within_two_days_is_sent_at_once_even_to_the_digest(demo_data, mailoutbox):
    person = f.member("nd-soon", roles.FACILITATOR, ("Esneux",))
    set_preferences(person, {NotificationKind.ROSTER: Delivery.DIGEST})
    now = timezone.now()
    calendar = [b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"]

    def tell(starts):
        return notify(
            person,
            NotificationKind.ROSTER,
            "groups/emails/unassigned",
            {"title": TITLE, "when": WHEN},
            url="/mes-groupes/",
            calendars=calendar,
            happens_at=starts,
        )

    assert tell(now + dt.timedelta(hours=47)) == Delivery.IMMEDIATE
    assert tell(now + dt.timedelta(hours=49)) == Delivery.DIGEST
    (message,) = mailoutbox
    assert len(message.attachments) == 1  # the immediate e-mail keeps its invitation


def test_a_request_to_approve_waits_for_the_referent_s_digest(
    demo_data, mailoutbox, django_capture_on_commit_callbacks
):
    from lms import services as lms_services
    from lms.models import Approval
    from tests.lms_tests.factories import run

    person = (
        MemberProfile.objects.filter(
            user__username__startswith="pro-", organisation__name="CPAS de Sprimont"
        )
        .first()
        .user
    )
    referent = f.user("referente")
    set_preferences(referent, {NotificationKind.APPROVALS: Delivery.DIGEST})
    with django_capture_on_commit_callbacks(execute=True):
        lms_services.enrol(person, run(approval=Approval.REFERENT))
    assert mails_to(mailoutbox, referent) == []
    assert len(mails_to(mailoutbox, person)) == 1  # their own request: always at once
    (item,) = PendingNotification.objects.filter(user=referent)
    assert item.kind == NotificationKind.APPROVALS
    assert "attend votre décision" in item.subject
    assert person.get_full_name() in item.text
    assert item.url == BASE + reverse("lms:requests")


def test_a_certificate_to_review_is_a_request_to_approve(demo_data, mailoutbox, committed):
    from certificates.models import IssueMode
    from tests.certificates_tests.factories import complete, module, run, template
    from tests.certificates_tests.support import newcomers

    the_module = module(title="Écouter l'enfant (revue)")
    template(the_module, mode=IssueMode.REVIEW)
    (person,) = newcomers(1)
    coordinator = f.user("coord-esneux")
    complete(run(the_module), [person], committed)
    (message,) = mails_to(mailoutbox, coordinator)
    assert "Écouter l'enfant (revue)" in message.subject
    assert f"{BASE}/admin/attestations/a-verifier/" in message.body
    assert not getattr(message, "alternatives", None) and not message.attachments


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- the daily digest ---------------------------------------------------------------------------


def test_the_digest_goes_once_a_day_from_seven_with_every_item_and_its_link(
    scene, mailoutbox, django_capture_on_commit_callbacks
):
    coordinator, lead = scene.coordinator, scene.lead
    set_preferences(
        coordinator,
        {NotificationKind.GAPS: Delivery.DIGEST, NotificationKind.APPROVALS: Delivery.DIGEST},
    )
    set_preferences(lead, {NotificationKind.ROSTER: Delivery.DIGEST})
    day = a_day_of_digests()
    with time_machine.travel(at(day, 5), tick=False):
        roster_changes(scene, django_capture_on_commit_callbacks)
    # Only anim-05, who chose nothing, was told at once.
    assert [message.to for message in mailoutbox] == [[f.user("anim-05").email]]
    kept = PendingNotification.objects.order_by("pk")
    assert sorted(kept.filter(user=coordinator).values_list("kind", flat=True)) == [
        NotificationKind.APPROVALS,
        NotificationKind.GAPS,
    ]
    assert list(kept.filter(user=lead).values_list("kind", flat=True)) == [
        NotificationKind.ROSTER,
        NotificationKind.ROSTER,
    ]
    mailoutbox.clear()

    run_due_jobs(at(day, 6, 30))
    assert mails_to(mailoutbox, coordinator) == mails_to(mailoutbox, lead) == []

    run_due_jobs(at(day, 7, 5))
    (to_coordinator,) = mails_to(mailoutbox, coordinator)
    (to_lead,) = mails_to(mailoutbox, lead)
    for message in (to_coordinator, to_lead):
        # Plain text only, in French, no calendar attachment.
        assert message.content_subtype == "plain" and not getattr(message, "alternatives", None)
        assert not message.attachments
        assert message.body.startswith("Bonjour,")
        assert "L’équipe Maillage" in message.body
        assert f"{BASE}/mon-compte/notifications/" in message.body
        for word in (ALIAS, ADULT, INTERNAL_CYCLE, scene.child.code):
            assert word not in message.subject + message.body, word
    body = to_coordinator.body
    board = f"{BASE}/admin/groupes/planning/?cycle={scene.cycle.pk}"
    swaps = f"{BASE}/admin/groupes/echanges/"
    # Grouped by kind, in the kinds' order: gaps before requests to approve.
    assert body.index(board) < body.index(swaps)
    assert f"rencontre de « {TITLE} » a perdu" in body
    assert "échange proposé pour" in body
    assert scene.lead.get_full_name() in body  # who is absent: a colleague, not a child
    body = to_lead.body
    assert body.count(f"{BASE}/mes-groupes/") == 2
    assert "votre absence libère" in body and "vous n'animez plus" in body
    first, last = (timezone.localtime(s.start) for s in (scene.meetings[0], scene.meetings[2]))
    assert f"{first:%d/%m/%Y}" in body and f"{last:%d/%m/%Y}" in body
    # Sent: the rows are emptied, and kept a while as a marker of today's digest.
    assert not PendingNotification.objects.filter(sent_at__isnull=True).exists()
    assert set(PendingNotification.objects.values_list("subject", "text", "url")) == {("", "", "")}

    mailoutbox.clear()
    run_due_jobs(at(day, 7, 40))  # the job runs again: nothing is sent twice
    assert mails_to(mailoutbox, lead) == mails_to(mailoutbox, coordinator) == []

    # Something new during the day waits for tomorrow's digest.
    with time_machine.travel(at(day, 8), tick=False):
        notify(lead, NotificationKind.ROSTER, "groups/emails/unassigned", {"title": TITLE}, url="/")
    run_due_jobs(at(day, 9))
    assert mails_to(mailoutbox, lead) == []
    run_due_jobs(at(day + dt.timedelta(days=1), 7, 10))
    (tomorrow,) = mails_to(mailoutbox, lead)
    assert "vous n'animez plus" in tomorrow.body


def test_the_digest_job_is_idempotent_and_waits_for_the_hour(demo_data, mailoutbox):
    person = f.member("nd-idem", roles.FACILITATOR, ("Esneux",))
    set_preferences(person, {NotificationKind.ROSTER: Delivery.DIGEST})
    day = a_day_of_digests()
    with time_machine.travel(at(day, 1), tick=False):
        notify(person, "roster", "groups/emails/unassigned", {"title": TITLE}, url="/x/")
    assert send_digests(at(day, 6, 59)) == 0
    assert send_digests(at(day, 7)) == 1
    assert send_digests(at(day, 7, 1)) == 0
    assert send_digests(at(day, 23, 59)) == 0
    assert len(mails_to(mailoutbox, person)) == 1


def test_nobody_reachable_nobody_e_mailed(demo_data, mailoutbox):
    person = f.member("nd-gone", roles.FACILITATOR, ("Esneux",))
    set_preferences(person, {NotificationKind.ROSTER: Delivery.DIGEST})
    day = a_day_of_digests()
    with time_machine.travel(at(day, 1), tick=False):
        notify(person, "roster", "groups/emails/unassigned", {"title": TITLE}, url="/x/")
    get_user_model().objects.filter(pk=person.pk).update(is_active=False)
    assert send_digests(at(day, 8)) == 0
    assert mailoutbox == []


def test_the_digest_job_costs_the_same_queries_for_one_person_or_three(
    demo_data, django_assert_num_queries
):
    people = [f.member(f"nd-q{number}", roles.FACILITATOR) for number in range(4)]
    day = a_day_of_digests()

    def pending(person, count):
        for number in range(count):
            PendingNotification.objects.create(
                user=person,
                kind=list(NotificationKind)[number % 4],
                subject=f"Élément {number}",
                text="Ligne",
                url=f"{BASE}/mes-groupes/",
                created_at=at(day, 2),
            )

    for size, moment in ((1, at(day, 7)), (3, at(day + dt.timedelta(days=1), 7))):
        for person in people[:size]:
            pending(person, size)
        # The items waiting with their people and one update claiming them (in a savepoint),
        # then one update emptying them once sent: whatever the number of people and items.
        with django_assert_num_queries(5):
            assert send_digests(moment) == size


# --- the preferences page -----------------------------------------------------------------------


def test_the_page_is_for_signed_in_people_only(client):
    response = client.get("/mon-compte/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_a_member_chooses_per_kind_and_only_for_themself(demo_data, signed_in):
    client = signed_in("professionnelle")
    page = client.get("/mon-compte/notifications/").content.decode()
    assert page.count("<fieldset") == 4 and page.count("<legend>") == 4
    assert 'type="radio"' in page and 'name="notify_by_email"' in page
    assert 'aria-describedby="id_roster_helptext"' in page and 'id="id_roster_helptext"' in page
    me = f.user("professionnelle")
    other = f.user("referente")
    response = client.post(
        "/mon-compte/notifications/",
        {
            "notify_by_email": "on",
            "roster": "digest",
            "gaps": "immediate",
            "approvals": "digest",
            "reminders": "off",
            # Not a field: nobody chooses for someone else.
            "user": other.pk,
        },
        follow=True,
    )
    assert response.redirect_chain == [("/mon-compte/notifications/", 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert preferences_of(me) == {
        "roster": Delivery.DIGEST,
        "gaps": Delivery.IMMEDIATE,
        "approvals": Delivery.DIGEST,
        "reminders": Delivery.IMMEDIATE,
    }
    profile = MemberProfile.objects.get(user=me)
    assert profile.notify_by_email and not profile.notify_reminders
    assert not NotificationPreference.objects.filter(user=other).exists()
    # The page shows the choices made.
    page = response.content.decode()
    assert 'value="digest" id="id_roster_1" required checked' in page
    assert 'value="immediate" id="id_gaps_0" required checked' in page
    assert 'value="off" id="id_reminders_2" required checked' in page


def test_a_wrong_choice_is_refused_and_changes_nothing(demo_data, signed_in):
    client = signed_in("professionnelle")
    response = client.post(
        "/mon-compte/notifications/",
        {"roster": "weekly", "gaps": "digest", "approvals": "digest", "reminders": "digest"},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not NotificationPreference.objects.filter(user=f.user("professionnelle")).exists()


def test_an_account_without_member_profile_chooses_the_delivery_only(client, demo_data):
    admin = get_user_model().objects.create_superuser("nd-admin", "nd-admin@test.example", "x")
    client.force_login(admin)
    page = client.get("/mon-compte/notifications/").content.decode()
    assert 'name="notify_by_email"' not in page and 'value="off"' not in page
    response = client.post(
        "/mon-compte/notifications/",
        {"roster": "digest", "gaps": "digest", "approvals": "immediate", "reminders": "digest"},
    )
    assert response.status_code == 302
    assert preferences_of(admin)["gaps"] == Delivery.DIGEST


def test_the_page_is_linked_from_mon_parcours_and_the_admin_account(demo_data, signed_in):
    client = signed_in("professionnelle")
    assert 'href="/mon-compte/notifications/"' in client.get("/mon-parcours/").content.decode()
    client = signed_in("coordination")
    assert 'href="/mon-compte/notifications/"' in client.get("/admin/account/").content.decode()


# --- every e-mail links to the site -------------------------------------------------------------


def _email_templates() -> list[str]:
    names = []
    for app in ("network", "sessions", "lms", "certificates", "groups"):
        folder = Path(settings.BASE_DIR) / app / "templates" / app / "emails"
        for path in sorted(folder.glob("*.txt")):
            if path.name.startswith("_") or path.stem.endswith(("_subject", "_digest")):
                continue
            names.append(f"{app}/emails/{path.stem}")
    return names


@pytest.mark.parametrize("name", _email_templates())
def test_every_e_mail_has_a_french_subject_and_a_link_to_the_site(name):
    context = {
        "base_url": BASE,
        "action_url": f"{BASE}/ici/",
        "preferences_url": f"{BASE}/mon-compte/notifications/",
        "count": 1,
        "days": 3,
        # The paths the templates put after `base_url`, and what filter arguments name.
        "url": "/lien/",
        "dashboard_path": "/mon-parcours/",
        "module_url": "/formations/module/",
        "requests_path": "/demandes/",
        "person": {"username": "personne"},
        "certificate": {"title": "Attestation", "content": {}, "reference": "R-1"},
    }
    with translation.override("fr-be"):
        body = render_to_string(f"{name}.txt", context)
        subject = render_to_string(f"{name}_subject.txt", context)
    assert f"{BASE}/" in body, name
    assert subject.strip() and "\n" not in subject.strip(), name
    assert body.lstrip().startswith("Bonjour"), name


# --- privacy ------------------------------------------------------------------------------------


def test_the_waiting_items_are_exported_erased_and_purged_as_the_registry_says(demo_data):
    from network.privacy import registry

    person = f.member("nd-privacy", roles.FACILITATOR)
    now = timezone.now()

    def item(subject, *, created, sent=None):
        return PendingNotification.objects.create(
            user=person, kind="roster", subject=subject, created_at=created, sent_at=sent
        )

    item("waiting", created=now - dt.timedelta(days=13))
    item("never sent", created=now - dt.timedelta(days=15))
    item("", created=now - dt.timedelta(days=3), sent=now - dt.timedelta(hours=47))
    item("", created=now - dt.timedelta(days=3), sent=now - dt.timedelta(hours=49))
    set_preferences(person, {NotificationKind.GAPS: Delivery.DIGEST})

    entry = registry.entry_for(PendingNotification)
    assert {row["subject"] for row in entry.export(person)} == {"waiting", "never sent", ""}
    assert entry.purge_job == "retention.maillage_network.pendingnotification"
    assert registry.purge(PendingNotification, now) == 2
    assert sorted(PendingNotification.objects.values_list("subject", flat=True)) == ["", "waiting"]
    preferences = registry.entry_for(NotificationPreference)
    assert preferences.export(person) == [{"kind": "gaps", "delivery": "digest"}]
    assert entry.erase(person) == 2 and preferences.erase(person) == 1
