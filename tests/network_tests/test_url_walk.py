"""The URL walk: every URL pattern of the project, front end and Wagtail admin, side views
included, is requested by every role for an object outside that role's scope.

Each pattern must be classified below. A new view that is not (a new viewset, a new page)
makes `test_every_pattern_is_classified` fail until someone decides what protects it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import recurrence
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver

from network.models import AuditEntry, Commune, Invitation, MemberProfile, Organisation
from sessions import services
from sessions.models import (
    Absence,
    Assignment,
    Availability,
    Closure,
    ClosureKind,
    Series,
    StaffRole,
    Venue,
)

pytestmark = pytest.mark.django_db

ROLES = {
    "professionnelle": "professional",
    "referente": "referent",
    "formatrice": "trainer",
    "animateur": "facilitator",
    "coord-esneux": "commune coordinator (Esneux)",
    "coordination": "network coordination",
}
DENIED = {302, 403, 404, 405}

# Our admin viewsets: namespace -> how to find an object outside the scope of `username`.
# The network coordination sees every commune, so nothing is outside its scope there.


def _member_outside(username):
    return (
        MemberProfile.objects.filter(organisation__name="CPAS d'Aywaille")
        .exclude(user__username=username)
        .first()
    )


def _organisation_outside(username):
    return Organisation.objects.get(name="CPAS d'Aywaille")


def _commune_outside(username):
    return Commune.objects.get(name="Aywaille")


def _invitation_outside(username):
    invitation = Invitation.objects.filter(organisation__name="CPAS d'Aywaille").first()
    if invitation is None:
        invitation = Invitation.objects.create(
            email="hors-champ@cpas-aywaille.example",
            organisation=Organisation.objects.get(name="CPAS d'Aywaille"),
            token_hash="0" * 64,
            expires_at="2099-01-01T00:00:00Z",
        )
    return invitation


def _audit_entry(username):
    return AuditEntry.objects.create(action="test.walk", object_type="test", object_key="1")


def _import_kind(username):
    """The wizard's URLs take a kind and an upload token: "members" serves for both."""
    from types import SimpleNamespace

    return SimpleNamespace(pk="members")


def _user_outside(username):
    return get_user_model().objects.get(username="pro-02")


def _aywaille():
    return Commune.objects.get(name="Aywaille")


def _venue_outside(username):
    return Venue.objects.get_or_create(name="Salle hors champ", commune=_aywaille())[0]


def _series_outside(username):
    series, made = Series.objects.get_or_create(
        title="Groupe hors champ (Aywaille)",
        defaults={
            "commune": _aywaille(),
            "start_date": dt.date.today(),
            "start_time": dt.time(14),
            "rule": recurrence.deserialize("RRULE:FREQ=WEEKLY;COUNT=3"),
        },
    )
    if made:
        services.regenerate(series)
    return series


def _session_outside(username):
    return _series_outside(username).sessions.first()


def _assignment_outside(username):
    return Assignment.objects.get_or_create(
        session=_session_outside(username),
        person=_member_outside(username).user,
        defaults={"role": StaffRole.CO},
    )[0]


def _closure_outside(username):
    return Closure.objects.get_or_create(
        kind=ClosureKind.LOCAL,
        start_date=dt.date(2099, 1, 1),
        reason="Fermeture hors champ",
        commune=_aywaille(),
        defaults={"end_date": dt.date(2099, 1, 2)},
    )[0]


def _availability_outside(username):
    return Availability.objects.get_or_create(
        person=_member_outside(username).user,
        weekday=0,
        start_time=dt.time(9),
        end_time=dt.time(12),
    )[0]


def _absence_outside(username):
    return Absence.objects.get_or_create(
        person=_member_outside(username).user,
        start_date=dt.date(2099, 1, 1),
        end_date=dt.date(2099, 1, 2),
    )[0]


def _run_outside(username):
    """A course run of Aywaille (with its module and catalogue when the demo has none)."""
    from wagtail.models import Page

    from lms import services as lms_services
    from lms.models import CourseRun, ModulePage, TrainingCatalogPage

    run = CourseRun.objects.filter(code="HORS-CHAMP-01").first()
    if run is not None:
        return run
    catalog = TrainingCatalogPage.objects.first()
    if catalog is None:
        catalog = Page.objects.get(depth=2).add_child(
            instance=TrainingCatalogPage(title="Formations", slug="formations")
        )
    module = ModulePage.objects.filter(code="HORS-CHAMP").first()
    if module is None:
        module = catalog.add_child(
            instance=ModulePage(title="Module hors champ", slug="hors-champ", code="HORS-CHAMP")
        )
    run = CourseRun.objects.create(
        module=module, code="HORS-CHAMP-01", commune=_aywaille(), capacity=5
    )
    lms_services.schedule_run(
        run, [(dt.date.today() + dt.timedelta(days=30), dt.time(9))], duration_minutes=180
    )
    return run


def _enrolment_outside(username):
    from lms.models import Enrolment, EnrolmentStatus

    return Enrolment.objects.get_or_create(
        run=_run_outside(username),
        person=_member_outside(username).user,
        defaults={"status": EnrolmentStatus.REQUESTED},
    )[0]


def _audience(username):
    from lms.models import Audience

    return Audience.objects.get_or_create(name="Public hors champ", slug="public-hors-champ")[0]


def _pro_of_aywaille():
    """A professional of the CPAS d'Aywaille: their organisation serves no other commune."""
    return (
        MemberProfile.objects.filter(
            organisation__name="CPAS d'Aywaille", user__username__startswith="pro-"
        )
        .order_by("user__username")
        .first()
        .user
    )


def _template_outside(username):
    from certificates.models import CertificateTemplate

    module = _run_outside(username).module
    return CertificateTemplate.objects.get_or_create(
        module=module,
        active=True,
        defaults={"name": "Modèle hors champ", "signatory_name": "Signataire hors champ"},
    )[0]


def _certificate_outside(username):
    """A certificate of Aywaille's run, held by a professional of Aywaille."""
    from certificates.models import Certificate

    found = Certificate.objects.filter(serial="HORS-CHAMP-000001").first()
    if found is not None:
        return found
    run = _run_outside(username)
    return Certificate.objects.create(
        holder=_pro_of_aywaille(),
        template=_template_outside(username),
        module=run.module,
        run=run,
        commune=run.commune,
        title=run.module.title,
        valid_from=dt.date.today(),
        serial="HORS-CHAMP-000001",
        content={"holder_name": "Personne hors champ"},
    )


def _request_outside(username):
    from certificates.models import IssueRequest

    run = _run_outside(username)
    return IssueRequest.objects.get_or_create(
        template=_template_outside(username),
        holder=_pro_of_aywaille(),
        run=run,
        defaults={"commune": run.commune},
    )[0]


def _bulk_outside(username):
    from certificates.models import BulkIssue, BulkIssueStatus

    return BulkIssue.objects.get_or_create(
        run=_run_outside(username), defaults={"status": BulkIssueStatus.DONE}
    )[0]


def _group_meeting_outside(username):
    """A meeting of a support-group cycle of Aywaille."""
    from groups.models import Audience, Cycle, Programme

    cycle = Cycle.objects.filter(name="Groupe hors champ (Aywaille)").first()
    if cycle is None:
        series = Series.objects.create(
            title="Groupe de parole hors champ",
            public_title="Groupe enfants — Aywaille",
            commune=_aywaille(),
            start_date=dt.date.today() + dt.timedelta(days=30),
            start_time=dt.time(16),
            rule=recurrence.deserialize("RRULE:FREQ=WEEKLY;COUNT=3"),
        )
        services.regenerate(series)
        programme = Programme.objects.get_or_create(
            name="Programme hors champ", defaults={"audience": Audience.CHILDREN}
        )[0]
        cycle = Cycle.objects.create(
            programme=programme,
            name="Groupe hors champ (Aywaille)",
            commune=_aywaille(),
            series=series,
        )
    return cycle.series.sessions.order_by("start").first()


def _group_seat_outside(username):
    return Assignment.objects.get_or_create(
        session=_group_meeting_outside(username),
        person=_member_outside(username).user,
        defaults={"role": StaffRole.CO},
    )[0]


def _support_cycle_outside(username):
    """A support-group cycle of Aywaille (the roster board's walk uses the same one)."""
    from groups.models import Audience, Cycle, Programme

    cycle = Cycle.objects.filter(name="Groupe hors champ (Aywaille)").first()
    if cycle is not None:
        return cycle
    series = Series.objects.create(
        title="Groupe de parole hors champ",
        public_title="Groupe enfants — Aywaille",
        commune=_aywaille(),
        start_date=dt.date.today() + dt.timedelta(days=30),
        start_time=dt.time(16),
        rule=recurrence.deserialize("RRULE:FREQ=WEEKLY;COUNT=3"),
    )
    services.regenerate(series)
    programme = Programme.objects.get_or_create(
        name="Programme hors champ", defaults={"audience": Audience.CHILDREN}
    )[0]
    return Cycle.objects.create(
        programme=programme, name="Groupe hors champ (Aywaille)", commune=_aywaille(), series=series
    )


def _programme_outside(username):
    return _support_cycle_outside(username).programme


def _participant_outside(username):
    """A child of Aywaille, member of Aywaille's cycle: its str() is its code."""
    from groups.models import Membership, Participant

    cycle = _support_cycle_outside(username)
    membership = Membership.objects.filter(cycle=cycle).select_related("participant").first()
    if membership is not None:
        return membership.participant
    child = Participant.objects.create(
        alias="Enfant hors champ", birth_year=2016, referral_source="school", commune=_aywaille()
    )
    Membership.objects.create(cycle=cycle, participant=child, status="admitted")
    return child


def _swap_outside(username):
    from groups.models import Swap

    session = _support_cycle_outside(username).series.sessions.order_by("start").first()
    people = MemberProfile.objects.filter(organisation__name="CPAS d'Aywaille").order_by("pk")
    requester, colleague = (p.user for p in people[:2])
    return Swap.objects.get_or_create(
        session=session, requester=requester, defaults={"colleague": colleague}
    )[0]


LISTINGS_OF_EVERYONE = {"index", "index_results", "history", "history_results", "usage"}


SCOPED = {
    # namespace: (object finder, url names that are public within the network by rule)
    "network_members": (_member_outside, set()),
    "network_organisations": (
        _organisation_outside,
        # OrganisationRule: the list of partner organisations is known to every member. Its
        # export is not: the view permission, then the rule's "export" (organisations that
        # serve only the coordinator's communes).
        {"index", "index_results", "history", "history_results", "usage"},
    ),
    "network_communes": (
        _commune_outside,
        {"index", "index_results", "history", "history_results", "usage"},
    ),
    "network_audit": (_audit_entry, set()),
    "network_privacy": (_user_outside, set()),
    # The import wizard (network.import_views): a 403 without the kind's import permission,
    # a 404 for an upload that is not the user's own (a made-up one here). Its upload form is
    # open to whoever may import; tests/network_tests/test_import_wizard.py covers the rest.
    "network_import": (_import_kind, {"upload"}),
    "sessions_venues": (_venue_outside, set()),
    "sessions_series": (_series_outside, set()),
    "sessions_sessions": (_session_outside, set()),
    "sessions_assignments": (_assignment_outside, set()),
    # ClosureRule: closures (days without sessions) are public; their export is the view
    # permission, then the rule's "export" (a coordinator's own communes' closures).
    "sessions_closures": (_closure_outside, LISTINGS_OF_EVERYONE),
    "sessions_availability": (_availability_outside, set()),
    "sessions_absences": (_absence_outside, set()),
    "lms_runs": (_run_outside, set()),
    "lms_enrolments": (_enrolment_outside, set()),
    # Audiences belong to no commune: Wagtail's model permissions, the network coordination only.
    "lms_audiences": (_audience, set()),
    "certificates_registry": (_certificate_outside, set()),
    "certificates_requests": (_request_outside, set()),
    # TemplateRule: coordinators read every template; only the network coordination changes.
    "certificates_templates": (
        _template_outside,
        {"list", "list_results", "inspect", "history", "history_results", "usage"},
    ),
    # Bulk issuing takes a run the user may change (and its bulk issues), else 404.
    "certificates_bulk": (_run_outside, set()),
    # The roster board: cycles the user may change (CycleRule), else 404; planners only.
    "groups_roster": (_group_meeting_outside, set()),
    # Support groups (groups.rules): a cycle of Aywaille, its child, a swap of its meeting.
    "groups_cycles": (_support_cycle_outside, set()),
    "groups_participants": (_participant_outside, set()),
    "groups_swaps": (_swap_outside, set()),
    # ProgrammeRule: a methodology, read by every role in the admin; the network writes.
    "groups_programmes": (_programme_outside, {"index", "index_results", "inspect"}),
    # Statistics: commune coordinators see their communes (no other commune's name), the
    # network coordination every commune; anyone else 403 or the admin login.
    "groups_statistics": (_commune_outside, set()),
    # Reports (hub.report_views): the same figures for a period, commune coordinators' own
    # communes only (another commune is refused by the form), the network every commune.
    "reports": (_commune_outside, set()),
}
# Per extra URL of a viewset, the object it takes when it is not the viewset's own model.
EXTRA_OBJECTS = {
    "network_members:revoke_invitation": _invitation_outside,
    "certificates_bulk:progress": _bulk_outside,
    "certificates_bulk:status": _bulk_outside,
    "groups_roster:unassign": _group_seat_outside,
}


# What of the outside object must not show in a listing-like URL, when its str() would not be
# there anyway: an export writes an availability window's day and hours in separate cells, so
# it is checked by the person's address (the exports are tests/*_tests/test_export*.py's).
def _person_address(obj) -> str:
    return obj.person.email


LISTING_MARKERS = {
    "sessions_availability:export": _person_address,
    "sessions_absences:export": _person_address,
}

# Wagtail's own admin: protected by Wagtail's permissions, which our roles do not get
# (except the network coordination: pages, images, documents and the network settings).
WAGTAIL_NAMESPACES = (
    "wagtailadmin",
    "wagtailimages",
    "wagtaildocs",
    "wagtailusers",
    "wagtailsites",
    "wagtailredirects",
    "wagtailforms",
    "wagtailsettings",
    "wagtailsnippets",
    "wagtailembeds",
    "wagtailcore",
    "wagtail",
)
# Reachable by any user with admin access: nothing in them belongs to a commune.
ANY_ADMIN_USER = {
    # Choosers browse the site's public pages and let editors build links.
    "wagtailadmin_choose_page",
    "wagtailadmin_choose_page_child",
    "wagtailadmin_choose_page_search",
    "wagtailadmin_choose_page_external_link",
    "wagtailadmin_choose_page_email_link",
    "wagtailadmin_choose_page_phone_link",
    "wagtailadmin_choose_page_anchor_link",
    "wagtailadmin_home",
    "wagtailadmin_account",
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "wagtailadmin_password_reset",
    "wagtailadmin_password_reset_done",
    "wagtailadmin_password_reset_confirm",
    "wagtailadmin_password_reset_complete",
    "wagtailadmin_javascript_catalog",
    "wagtailadmin_sprite",
    "wagtailadmin_icons",
    "wagtailadmin_dismissibles",
    "wagtailadmin_search",
    "wagtailadmin_activity",
    "wagtailadmin_editing_sessions:ping",
    "wagtailadmin_editing_sessions:release",
    "wagtailadmin_reports:index",
    "wagtailadmin_tag_autocomplete",
    "wagtailadmin_api:listing",
    "wagtailadmin_api:detail",
    "wagtailadmin_api:find",
}
NOT_REQUESTED = {
    # Wagtail's deliberate error page (raises an exception to test error monitoring).
    "wagtailadmin_error_test",
    # A confirmation dialog that says "cancel the workflow of <page title>?" and checks the
    # permission when posted; page titles are public, nothing of a commune is shown.
    "wagtailadmin_pages:confirm_workflow_cancellation",
}
# The front end, by name: who may reach it.
FRONT_END = {
    "wagtail_serve": "public pages (the CMS decides, no personal data)",
    "wagtaildocs_serve": "documents: Wagtail's collection privacy",
    "wagtaildocs_authenticate_with_password": "Wagtail's password restriction form",
    "wagtailcore_authenticate_with_password": "Wagtail's password restriction form",
    "wagtailcore_login": "public sign-in for restricted pages",
    "set_language": "public: language switcher",
    "login": "public",
    "logout": "public (POST)",
    "password_reset": "public",
    "password_reset_done": "public",
    "password_reset_confirm": "token in the URL; a wrong token is refused",
    "password_reset_complete": "public",
    "password_change": "the signed-in person only, no object in the URL",
    "password_change_done": "the signed-in person only",
    "dashboard": "the signed-in person only, no object in the URL",
    "network:register": "public",
    "network:accept_invitation": "token in the URL; a wrong token answers 404",
    "network:confirm_registration": "signed token in the URL; a wrong or old one answers 404",
    "network:profile": "the signed-in person only, no object in the URL",
    "network:notifications": "the signed-in person's own preferences, no object in the URL",
    "network:second_factor_verify": "the signed-in person's own second factor, no object",
    "network:second_factor_setup": "the signed-in person's own second factor, no object",
    "network:second_factor": "the signed-in person's own second factor, no object",
    "network:second_factor_codes": "the signed-in person's own new codes, shown once",
    "sessions:agenda": "the signed-in person's own agenda, no object in the URL",
    "sessions:rotate_feed": "the signed-in person's own feed (POST)",
    "sessions:revoke_feed": "the signed-in person's own feed (POST)",
    "sessions:personal_feed": "the token is the credential; a wrong or revoked one answers 404",
    "sessions:series_feed": "login, permission layer: 404 outside the scope (tests/sessions_tests)",
    "sessions:session_ics": "login, permission layer: 404 outside the scope (tests/sessions_tests)",
    "lms:enrol": "login, POST; the service checks eligibility (tests/lms_tests/test_views)",
    "lms:interest": "login, POST, the signed-in person's own interest in a live public module",
    "lms:attendance": "login; trainers of the session or coordinators of its run, else 404",
    "lms:cancel": "login, POST, the signed-in person's own enrolment, else 404",
    "lms:accept": "login, POST, the signed-in person's own enrolment, else 404",
    "lms:evaluate": "login, the signed-in person's own finished enrolment, else 404",
    "lms:requests": "login, referents only: their organisation's requests",
    "lms:decide": "login, POST; referent of the person's organisation or coordinator, else 404",
    "certificates:verify_form": "public: type a verification code",
    "certificates:verify": "public, rate-limited; the code (144 random bits) is the credential",
    "certificates:issuer": "public: the Open Badges issuer profile",
    "certificates:jwks": "public: the issuer's public keys",
    "certificates:key": "public: one public key",
    "certificates:status_list": "public: the signed revocation list (bits, no personal data)",
    "certificates:achievement": "public: a live public module or path, as an Open Badge",
    "certificates:pdf": "login, permission layer: the holder or a coordinator in scope, else 404",
    "certificates:badge": "login, permission layer: the holder or a coordinator in scope, else 404",
    "certificates:scan": "login, permission layer: the holder or a coordinator in scope, else 404",
    "groups:mine": "login, facilitators: their own meetings, no object in the URL",
    "groups:attendance": "login; groups.services.may_take_attendance, else 404 (test_front_*)",
    "groups:swap": "login, the signed-in person's own upcoming meeting, else 404",
    "groups:swap_withdraw": "login, POST, the signed-in person's own swap, else 404",
    "groups:availability": "login, facilitators: their own windows and absences, no object",
    "groups:availability_delete": "login, POST, the signed-in person's own window, else 404",
    "groups:absence_delete": "login, POST, the signed-in person's own future absence, else 404",
    "groups:programmes": "public: programmes by commune and month, never a venue, day or time",
    "groups:programme": "public: an active programme, by commune and month; else 404",
}


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            child_ns = namespace
            if pattern.namespace:
                child_ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), child_ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ""
            yield prefix + str(pattern.pattern), f"{namespace}:{name}" if namespace else name


def all_patterns():
    return sorted(set(_walk(get_resolver().url_patterns)))


def classify(route, name):
    namespace = name.split(":")[0]
    if namespace in SCOPED or name.startswith("network_privacy_"):
        return "scoped"
    if name in FRONT_END:
        return "front"
    if namespace.startswith(WAGTAIL_NAMESPACES) or name.startswith(WAGTAIL_NAMESPACES):
        return "wagtail"
    if route.startswith("admin/") and not name:
        return "wagtail"  # Wagtail's admin 404 handlers
    return None


def build_url(route: str, value) -> str:
    url = route
    url = re.sub(r"<(?:\w+:)?\w+>", str(value), url)
    url = url.replace("^", "").replace("$", "")
    url = re.sub(r"\(\?P<\w+>[^)]*\)", str(value), url)
    url = re.sub(r"\(\?:\[\\w\\-\]\+/\)\*", "", url)
    url = re.sub(r"\((?:\\d\+|\[0-9\]\+)\)", str(value), url)
    url = re.sub(r"\([^)]*\)", "x", url)
    url = url.replace("\\", "")
    return "/" + url.lstrip("/")


def test_every_pattern_is_classified(capsys):
    unclassified = [
        f"{route}  [{name}]" for route, name in all_patterns() if classify(route, name) is None
    ]
    assert unclassified == [], (
        "Unclassified URL patterns: decide what protects them:\n" + "\n".join(unclassified)
    )


def _denied(client, url, who, what) -> str | None:
    """None when `who` is kept out of `url`, else what went wrong."""
    response = client.get(url)
    if response.status_code not in DENIED:
        return f"{who} reached {what}: {url} -> {response.status_code}"
    if response.status_code == 302:
        location = response["Location"]
        if not ("login" in location or "connexion" in location or location.startswith("/admin")):
            return f"{who}: {url} redirects to {location}"
    return None


def walk(client, roles=ROLES):
    """Request every pattern as every role; return (covered, failures)."""
    from hub.models import HomePage

    home_pk = HomePage.objects.get().pk
    covered = []
    failures = []
    patterns = all_patterns()
    for username, role in roles.items():
        client.logout()
        assert client.login(username=username, password="demo-maillage")
        for route, name in patterns:
            kind = classify(route, name)
            has_object = "<" in route or "(" in route
            namespace, _, url_name = name.rpartition(":")
            if kind == "scoped":
                base = namespace
                if name.startswith("network_privacy_"):  # plain URL names, no namespace
                    base, url_name = "network_privacy", name.removeprefix("network_privacy_")
                finder, public = SCOPED[base]
                if username == "coordination":
                    covered.append((route, name, role, "in scope: every commune"))
                    continue
                if url_name in public:
                    continue
                outside = EXTRA_OBJECTS.get(name, finder)(username)
                if not has_object and username == "coord-esneux":
                    # A listing or a form: allowed, but nothing of another commune may show.
                    response = client.get(build_url(route, 0))
                    marker = LISTING_MARKERS.get(name, str)(outside)
                    if response.status_code == 200:
                        if marker in response.content.decode():
                            failures.append(f"{username} sees {outside} in {name}")
                    elif response.status_code not in DENIED | {200}:
                        failures.append(f"{username}: {name} -> {response.status_code}")
                    covered.append((route, name, role, "listing scoped"))
                    continue
                url = build_url(route, outside.pk)
                failures.append(_denied(client, url, username, name))
                covered.append((route, name, role, "denied"))
            elif kind == "wagtail":
                if name in ANY_ADMIN_USER or name in NOT_REQUESTED or username == "coordination":
                    continue
                url = build_url(route, home_pk)
                if role in ("commune coordinator (Esneux)",) and not has_object:
                    # Admin access without Wagtail permissions: listings are allowed to be empty.
                    response = client.get(url)
                    assert response.status_code != 500, url
                    continue
                failures.append(_denied(client, url, username, name))
                covered.append((route, name, role, "denied"))
    return covered, [failure for failure in failures if failure]


def test_url_walk(client, demo_data, capsys):
    covered, failures = walk(client)
    assert failures == [], "\n".join(failures)
    with capsys.disabled():
        patterns = {(r, n) for r, n, _, _ in covered}
        print(f"\nURL walk: {len(patterns)} patterns covered for {len(ROLES)} roles")
        for route, name in sorted({(r, n) for r, n, _, _ in covered}):
            print(f"  {name:<55} /{route}")


def test_url_walk_fails_when_a_rule_lets_everything_through(client, demo_data):
    """Replace the member rule by one that scopes nothing: the walk must notice."""
    from network import permissions
    from network.permissions import Rule

    class Everything(Rule):
        def scope(self, user, action, queryset):
            return queryset

    original = permissions.rule_for(MemberProfile)
    permissions._rules[MemberProfile] = Everything()
    try:
        _covered, failures = walk(client, {"coord-esneux": ROLES["coord-esneux"]})
    finally:
        permissions._rules[MemberProfile] = original
    assert any("network_members:edit" in failure for failure in failures)
    assert any("sees" in failure and "network_members:index" in failure for failure in failures)
