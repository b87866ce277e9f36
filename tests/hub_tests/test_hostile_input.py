"""Hostile input: every form of the front end, the admin forms of our models and the import
wizard, filled with malformed and oversized values by hypothesis, and every URL of ours with
hostile arguments. No answer is a 500; an answer that refuses the input writes nothing and
says so in French (see tests/hub_tests/hostile.py for the machinery).

Deterministic (derandomize) and bounded for CI; a larger run, to look for bugs:

    MAILLAGE_HOSTILE_EXAMPLES=25 MAILLAGE_HOSTILE_LOG=/tmp/hostile.log \
        pytest tests/hub_tests/test_hostile_input.py -k hold -s

(25 examples: about 5,000 requests, eight minutes; the log gets every failure's traceback.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, Phase, given, settings

from network import registries
from tests.hub_tests import hostile
from tests.network_tests.test_url_walk import FRONT_END, SCOPED

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("MAILLAGE_HOSTILE_EXAMPLES", "2"))
# The larger run also crawls the pages without forms, the coordinator's front end, and sends
# hostile query strings to every page (CI: only the pages with arguments in their URL).
FULL = EXAMPLES > 2
PATH_EXAMPLES = max(1, EXAMPLES // 2)
DATA = Path(__file__).resolve().parent.parent / "data" / "imports"

# Our URL names: the front end (not Wagtail's own document and password views) and the
# namespaces of our admin viewsets; Wagtail's page editor and its own admin are Wagtail's.
FRONT_NAMES = {name for name in FRONT_END if not name.startswith(("wagtaildocs", "wagtailcore"))}
ADMIN_NAMES = set(SCOPED) | {
    "network_privacy_index",
    "network_privacy_person",
    "network_privacy_export",
}
OUR_NAMES = FRONT_NAMES | ADMIN_NAMES

# Where each role starts; the crawler follows the links from there.
STARTS = {
    None: [
        "/",
        "/connexion/",
        "/inscription/",
        "/mot-de-passe/oublie/",
        "/attestations/verifier/",
        "/groupes-de-parole/",
        "/formations/",
    ],
    "professionnelle": ["/mon-parcours/", "/mon-compte/", "/mon-agenda/", "/formations/"],
    "referente": ["/mon-parcours/", "/mon-parcours/demandes/"],
    "formatrice": ["/mon-parcours/", "/mon-agenda/"],
    "animateur": ["/mes-groupes/", "/mes-groupes/disponibilites/", "/mot-de-passe/changer/"],
}


def admin_starts() -> list[str]:
    """The listing of every viewset of ours, and the import wizard of every kind."""
    starts = []
    for namespace in SCOPED:
        for view in ("index", "list", "board", "add"):
            try:
                starts.append(reverse(f"{namespace}:{view}"))
            except NoReverseMatch:  # not every viewset has every view
                continue
    starts += [
        reverse("network_import:upload", args=[kind.key]) for kind in registries.import_kinds
    ]
    starts.append(reverse("network_privacy_index"))
    return starts


@pytest.fixture
def limits(settings):
    """Small limits, so that "too large" costs little: 64 KB files, 300 KB of form fields."""
    settings.MAILLAGE_IMPORT_MAX_BYTES = 64 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 300_000


def signed_in(username: str | None) -> Client:
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


HYPOTHESIS = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "phases": [Phase.generate],  # failures are collected, not raised: nothing to shrink
    "suppress_health_check": list(HealthCheck),
}


def submitter(run: hostile.Run, client: Client, form: hostile.Form, examples: int):
    label = f"{hostile.url_key(form.action)} {form.method}"

    @settings(max_examples=examples, **HYPOTHESIS)
    @given(values=hostile.form_values(form))
    def submit(values):
        data, files = values
        run.send(client, form.method, form.action, data, files, label=label)

    return submit


def visitor(run: hostile.Run, client: Client, page: str):
    label = f"{hostile.url_key(page)} url"

    @settings(max_examples=PATH_EXAMPLES, **HYPOTHESIS)
    @given(path=hostile.hostile_paths(page), query=hostile.HOSTILE_QUERY)
    def visit(path, query):
        run.send(client, "get", path, query, label=label)

    return visit


def fuzz(run: hostile.Run, client: Client, forms: list[hostile.Form]) -> int:
    """Send each distinct form EXAMPLES hostile submissions; return how many forms were."""
    distinct: dict[tuple, hostile.Form] = {}
    for form in forms:
        name = hostile.url_key(form.action)
        if not hostile.ours(name, OUR_NAMES) or hostile.skipped(name):
            continue
        distinct.setdefault(form.key, form)
    sent = 0
    for form in distinct.values():
        if form.fuzzable:
            submitter(run, client, form, EXAMPLES)()
        elif FULL:  # a button: only unknown fields to add
            submitter(run, client, form, 1)()
        else:
            continue
        sent += 1
    return sent


def poke(run: hostile.Run, client: Client, pages: list[str]) -> None:
    """Every page again (CI: those with a key or a token in their URL), with hostile URL
    arguments and a hostile query string."""
    for page in pages:
        if FULL or hostile.has_arguments(page):
            visitor(run, client, page)()


def report(run: hostile.Run, what: str, forms: int, floor: int, capsys) -> None:
    with capsys.disabled():
        print(
            f"\nHostile input ({what}): {run.sent} requests to {forms} forms, "
            f"{run.refusals} refused, {len(run.failures)} failures"
        )
    if os.environ.get("MAILLAGE_HOSTILE_LOG"):  # every failure, with its traceback
        with Path(os.environ["MAILLAGE_HOSTILE_LOG"]).open("a") as log:
            log.write("\n\n".join(run.failures))
    assert run.failures == [], "\n\n".join(run.failures[:20])
    assert run.sent >= floor, f"only {run.sent} requests sent"


def test_front_end_holds_against_hostile_input(demo_data, limits, capsys):
    run = hostile.Run(hostile.our_tables())
    forms_seen = 0
    for username, starts in STARTS.items():
        client = signed_in(username)
        forms, pages = hostile.crawl(
            client,
            starts,
            OUR_NAMES,
            full=FULL,
            signed_in=username is not None,
            failures=run.failures,
        )
        forms_seen += fuzz(run, client, forms)
        poke(run, client, pages)
    report(run, "front end", forms_seen, floor=15 * EXAMPLES, capsys=capsys)


# Forms the admin crawl must reach (a viewset that stops linking them would shrink the run).
ADMIN_FORMS = {
    "network_members:edit",
    "network_members:invite",
    "network_organisations:add",
    "sessions_series:add",
    "sessions_closures:import_ics",
    "lms_runs:add",
    "certificates_templates:edit",
    "certificates_registry:add",
    "groups_cycles:add",
    "groups_programmes:edit",
    "groups_participants:add",
    "groups_participants:edit",
    "network_import:upload",
    "network_import:confirm",
}
# The network coordination has every right but on children's records, which are a commune
# coordinator's (DESIGN: details only in cycles where one holds a role).
CHILD_STARTS = ["/admin/groupes/participants/", "/admin/groupes/participants/new/"]


def test_admin_forms_and_import_wizard_hold_against_hostile_input(demo_data, limits, capsys):
    from django.core.files.uploadedfile import SimpleUploadedFile

    run = hostile.Run(hostile.our_tables())
    names = OUR_NAMES if FULL else ADMIN_NAMES
    client = signed_in("coordination")
    forms, pages = hostile.crawl(client, admin_starts(), names, full=FULL, failures=run.failures)
    # The wizard's later steps need an upload: the members' sample file leads to the preview.
    upload = next(f for f in forms if hostile.url_key(f.action) == "network_import:upload")
    response = client.post(
        reverse("network_import:upload", args=["members"]),
        {
            "csrfmiddlewaretoken": upload.token,
            "file": SimpleUploadedFile(
                "membres.csv", (DATA / "membres-exemple.csv").read_bytes(), "text/csv"
            ),
        },
    )
    assert response.status_code == 302, response.content[:500]
    preview = response["Location"]
    forms += hostile.parse(
        "http://testserver" + preview, client.get(preview).content.decode()
    ).forms

    coordinator = signed_in("coord-esneux")
    child_forms, child_pages = hostile.crawl(
        coordinator, CHILD_STARTS, names, full=FULL, failures=run.failures
    )
    reached = {hostile.url_key(f.action) for f in forms + child_forms}
    assert ADMIN_FORMS - reached == set(), "the crawl did not reach these forms"

    count = fuzz(run, client, forms) + fuzz(run, coordinator, child_forms)
    poke(run, client, pages)
    poke(run, coordinator, child_pages)
    report(run, "admin and import wizard", count, floor=40 * EXAMPLES, capsys=capsys)


# --- what the hostile run found (one regression test each) -----------------------------------


def _signed_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_enrolling_with_a_next_that_is_no_path_goes_back_to_the_module(client, demo_data):
    """redirect() took "9999-12-31" for a URL name: NoReverseMatch, a 500."""
    from lms.models import CourseRun

    run = CourseRun.objects.select_related("module").order_by("pk").first()
    response = _signed_in(client, "professionnelle").post(
        reverse("lms:enrol", args=[run.pk]), {"next": "9999-12-31"}
    )
    assert response.status_code == 302
    assert response["Location"] in (run.module.url, reverse("dashboard"))


def test_an_enrolment_decision_with_a_next_that_is_no_path_goes_back_to_the_run(client, demo_data):
    from lms.models import Enrolment

    enrolment = Enrolment.objects.order_by("pk").first()
    response = _signed_in(client, "coordination").post(
        reverse("lms_enrolments:approve", args=[enrolment.pk]), {"next": "abc"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("lms_runs:inspect", args=[enrolment.run_id])


def test_the_availability_page_says_when_it_cannot_read_the_form(client, demo_data):
    response = _signed_in(client, "animateur").post(
        reverse("groups:availability"), {"form": "9999-12-31"}
    )
    assert response.status_code == 400
    assert hostile.french(response) and hostile.shows_error(response)


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("lms_runs:add", {"module": "9999-12-31"}),
        ("certificates_templates:add", {"module": "abc", "signature": "\r\n", "logo": "x"}),
        ("certificates_templates:add", {"path": "9" * 30, "module": str(2**70)}),
    ],
)
def test_a_chooser_given_a_value_that_is_no_key_shows_the_form_again(
    client, demo_data, url_name, data
):
    """Wagtail's choosers looked the value up and met ValueError (or SQLite's OverflowError)."""
    response = _signed_in(client, "coordination").post(reverse(url_name), data)
    assert response.status_code == 200
    assert hostile.shows_error(response)


def test_a_series_form_with_an_unknown_time_zone_shows_its_errors(client, demo_data):
    """The summary of the saved series was localised in the refused form's zone."""
    from sessions.models import Series

    series = Series.objects.order_by("pk").first()
    response = _signed_in(client, "coordination").post(
        reverse("sessions_series:edit", args=[series.pk]), {"time_zone": "Nulle/Part"}
    )
    assert response.status_code == 200
    assert hostile.shows_error(response)
    series.refresh_from_db()
    assert series.time_zone == "Europe/Brussels"


def test_a_meeting_id_beyond_64_bits_is_not_found(client, demo_data):
    """SQLite cannot compare such an integer with a foreign key (OverflowError)."""
    response = _signed_in(client, "animateur").get(reverse("groups:swap", args=[2**70]))
    assert response.status_code == 404
    assert hostile.french(response)


@pytest.mark.parametrize(
    ("url_name", "field"),
    [
        ("lms_audiences:index_results", "q"),
        ("network_members:index_results", "q"),
        ("certificates_templates:list_results", "q"),
        ("network_members:index_results", "function"),
        ("network_audit:index_results", "action"),
    ],
)
def test_a_listing_searched_for_a_pasted_document_answers(client, demo_data, url_name, field):
    """SQLite refuses a LIKE pattern over 50,000 bytes: search terms and text filters are cut
    or refused before they reach it."""
    response = _signed_in(client, "coordination").get(reverse(url_name), {field: "A" * 60_000})
    assert response.status_code == 200


def test_the_roster_export_of_meetings_with_different_numbers_of_seats(client, demo_data):
    """Rows padded to the widest meeting's seats held None, which the export read as a seat."""
    response = _signed_in(client, "coordination").get(reverse("groups_roster:export"))
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    widths = {len(line.split(";")) for line in lines[1:]}
    assert len(lines) > 2 and len(widths) == 1


def test_a_request_too_large_is_refused_in_french(client, demo_data, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(reverse("login"), {"username": "x" * 5000, "password": "y"})
    assert response.status_code == 400
    assert hostile.french(response) and hostile.shows_error(response)


def test_a_form_without_its_csrf_token_is_refused_in_french(demo_data):
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x"})
    assert response.status_code == 403
    assert hostile.french(response) and hostile.shows_error(response)


@pytest.mark.parametrize(
    "url",
    [
        "/attestations/verifier/%00/",
        "/agenda/seance/%00.ics",
        "/formations/%00/",
        "/groupes-de-parole/?commune=%00",
    ],
)
def test_a_nul_byte_in_the_url_is_refused_in_french(client, demo_data, url):
    """PostgreSQL refuses a NUL byte in a query: the URL is refused before any view runs."""
    response = _signed_in(client, "professionnelle").get(url)
    assert response.status_code == 400
    assert hostile.french(response) and hostile.shows_error(response)
    assert response["Cache-Control"] == "no-store"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
