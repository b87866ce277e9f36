"""End-to-end journeys in Chromium, one per role, each from the sign-in form to the result the
person would check, on the demo network; every page they land on passes axe-core (WCAG 2.1 AA,
no serious or critical violation) and the final screen is kept as a screenshot (tests/journeys.py).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Browser, Page, expect

from certificates.models import Certificate
from groups import services
from groups.models import (
    Cycle,
    MeetingAttendance,
    MeetingAttendanceStatus,
    Participant,
    SafetyInstruction,
    SafetyKind,
)
from hub.demo.groups import ESNEUX
from lms.models import CourseRun, Enrolment, EnrolmentStatus
from network.models import MemberProfile
from sessions.models import Session
from tests.journeys import (
    PASSWORD,
    REPO,
    Journey,
    admin_menu,
    axe_check,
    press,
    sign_in,
    sign_in_admin,
    sign_out,
    tab_to,
    text_of_pdf,
    verification_code,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEXT_MODULE = "Effets post-traumatiques chez l'enfant"  # PR-TRA: its prerequisite is done
COMPLETED_MODULE = "Enfants exposés aux violences conjugales"  # PR-VEP-2026-01, completed
CANCELLED_MODULE = "Secret professionnel partagé et cadre légal"  # RES-SEC, online
SAMPLE_MEMBERS = REPO / "tests" / "data" / "imports" / "membres-exemple.csv"
ZONE = zoneinfo.ZoneInfo("Europe/Brussels")


@pytest.fixture
def site(live_server, migrated_data):
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    return live_server.url


def test_professional_journey(page: Page, browser: Browser, site):
    """Camille finds a module in the catalogue and enrols, cancels a session she can no longer
    attend, finds her dates in her agenda, evaluates the module she completed and downloads its
    certificate; anyone checks the code printed on it."""
    journey = Journey(page, "professional")
    sign_in(page, site, "professionnelle")

    # The catalogue: a search, then the module.
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Formations"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Formations")
    axe_check(page)
    page.get_by_label("Rechercher").fill("post-traumatiques")
    page.get_by_role("button", name="Filtrer").click()
    results = page.get_by_role("region", name="Modules")
    expect(results.get_by_role("status")).to_have_text("1 module")
    axe_check(page)
    results.get_by_role("link", name=NEXT_MODULE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEXT_MODULE)
    axe_check(page)

    # Enrol: a seat is free, the place is confirmed at once.
    dates = page.get_by_role("region", name="Prochaines dates")
    expect(dates).to_contain_text("votre inscription sera confirmée immédiatement")
    dates.get_by_role("button", name="S'inscrire").click()
    expect(page.get_by_role("status").first).to_contain_text("Votre place est confirmée")
    axe_check(page)

    # Her training: the new module confirmed; she cancels the online session of RES-SEC.
    page.get_by_role("link", name="Mon parcours").first.click()
    training = page.get_by_role("region", name="Mes formations")
    item = training.get_by_role("listitem").filter(has_text=NEXT_MODULE).first
    expect(item).to_contain_text("Confirmée")
    axe_check(page)
    training.get_by_role("button", name=f"Annuler mon inscription — {CANCELLED_MODULE}").click()
    expect(page.get_by_role("status").first).to_contain_text("est annulée")
    training = page.get_by_role("region", name="Mes formations")
    expect(training).not_to_contain_text(CANCELLED_MODULE)
    expect(training).to_contain_text(NEXT_MODULE)
    axe_check(page)

    # Her agenda: the two days of the new module, as a file and in her subscription feed.
    page.get_by_role("link", name="Voir mon agenda et m’y abonner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon agenda")
    axe_check(page)
    upcoming = page.get_by_role("region", name="Prochaines séances")
    meetings = upcoming.get_by_role("listitem").filter(has_text=f"Formation — {NEXT_MODULE}")
    expect(meetings).to_have_count(2)  # two days
    with page.expect_download() as download_info:
        meetings.first.get_by_role("link", name="Ajouter à mon agenda").click()
    event = Path(download_info.value.path()).read_text()
    assert "BEGIN:VEVENT" in event and NEXT_MODULE.replace(",", "\\,") in event
    expect(upcoming).not_to_contain_text(CANCELLED_MODULE)
    feed_url = page.get_by_label("Adresse de votre agenda").input_value()
    feed = page.request.get(feed_url)
    assert feed.ok
    events = [
        (str(event.get("SUMMARY")), str(event.get("STATUS", "CONFIRMED")))
        for event in Calendar.from_ical(feed.body()).walk("VEVENT")
    ]
    held = [summary for summary, status in events if status != "CANCELLED"]
    assert held.count(f"Formation — {NEXT_MODULE}") == 2, events
    assert f"Formation — {CANCELLED_MODULE}" not in held, events

    # Completion: the module done, the path under way; she evaluates the module.
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Mon parcours"
    ).click()
    paths = page.get_by_role("region", name="Mes parcours")
    children = paths.get_by_role("listitem").filter(has_text=COMPLETED_MODULE).first
    expect(children).to_contain_text("terminé")
    completed = page.get_by_role("region", name="Formations terminées")
    expect(completed).to_contain_text(COMPLETED_MODULE)
    axe_check(page)
    completed.get_by_role("link", name="Évaluer cette formation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Évaluer cette formation")
    axe_check(page)
    for question, answer in (
        ("Le contenu était utile pour ma pratique", "5"),
        ("Le contenu était clair et bien organisé", "4"),
        ("Les formateur·rice·s m'ont aidé·e à apprendre", "5"),
        ("L'organisation pratique était bonne", "3"),
    ):
        page.get_by_role("group", name=question).get_by_role("radio", name=answer).check()
    page.get_by_label("Quelque chose à ajouter ? (facultatif)").fill(
        "Des situations très proches de notre travail au CPAS."
    )
    page.get_by_role("button", name="Envoyer mon évaluation").click()
    expect(page.get_by_role("status").first).to_contain_text("évaluation")
    axe_check(page)

    # The certificate: downloaded, its code read from the PDF.
    certificates = page.get_by_role("region", name="Mes attestations")
    certificate = certificates.get_by_role("listitem").filter(has_text=COMPLETED_MODULE).first
    with page.expect_download() as download_info:
        certificate.get_by_role("link", name=re.compile("^Télécharger le PDF")).click()
    serial = re.search(r"MAIL-\d{4}-\d{6}", certificate.inner_text()).group()
    download = download_info.value
    assert download.suggested_filename == f"attestation-{serial}.pdf"
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = text_of_pdf(pdf)
    assert "Camille Renson" in text and COMPLETED_MODULE in text and serial in text
    code = verification_code(text)
    shared = certificate.get_by_role("link", name=re.compile("^Lien à partager"))
    expect(shared).to_have_attribute("href", f"/attestations/verifier/{code}/")
    sign_out(page)

    # Anyone, signed out, types the code printed on the certificate.
    visitor = browser.new_context(locale="en-US", timezone_id="Europe/Brussels")
    try:
        public = journey.watch(visitor.new_page())
        public.goto(site + "/")
        axe_check(public)
        public.get_by_role("navigation", name="Navigation principale").get_by_role(
            "link", name="Vérifier une attestation"
        ).click()
        expect(public.get_by_role("heading", level=1)).to_have_text("Vérifier une attestation")
        axe_check(public)
        public.get_by_label("Code de vérification").fill(code)
        public.get_by_role("button", name="Vérifier").click()
        expect(public.get_by_role("heading", level=1)).to_have_text(
            "Vérification d'une attestation"
        )
        verdict = public.get_by_role("status")
        expect(verdict).to_contain_text("Valide")
        main = public.get_by_role("main")
        expect(main).to_contain_text("Camille Renson")
        expect(main).to_contain_text(COMPLETED_MODULE)
        expect(main).to_contain_text(serial)
        expect(main).not_to_contain_text("@")
        axe_check(public)
        journey.finish(public)
    finally:
        visitor.close()


def test_referent_journey_with_the_keyboard_only(page: Page, site):
    """Nadia, the referent of the CPAS de Sprimont, approves one request and refuses another
    with a reason, with the keyboard alone (no mouse): the focus is visible at every stop."""
    journey = Journey(page, "referent")
    pending = list(
        Enrolment.objects.filter(status=EnrolmentStatus.REQUESTED, run__approval="referent")
        .select_related("person")
        .order_by("pk")
    )
    assert len(pending) == 3

    page.goto(site + "/")
    axe_check(page)
    press(page, page.get_by_role("link", name="Se connecter"), "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    axe_check(page)
    tab_to(page, page.get_by_label("Identifiant ou e-mail"))
    page.keyboard.type("referente")
    tab_to(page, page.get_by_label("Mot de passe"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    axe_check(page)

    nav = page.get_by_role("navigation", name="Navigation principale")
    press(page, nav.get_by_role("link", name="Mon parcours"), "Enter")
    panel = page.get_by_role("region", name="Demandes à approuver")
    expect(panel).to_contain_text("3 demandes de votre organisation attendent votre décision.")
    axe_check(page)
    press(page, panel.get_by_role("link", name="Voir les demandes"), "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demandes à approuver")
    axe_check(page)

    # Approve the first request (Space on the button).
    first = page.get_by_role("listitem").filter(has=page.get_by_role("heading", level=2)).first
    name = first.get_by_role("heading", level=2).inner_text()
    press(page, first.get_by_role("button", name=f"Approuver — {name}"), "Space")
    expect(page.get_by_role("status").first).to_contain_text(f"La demande de {name} est approuvée")
    axe_check(page)

    # Refuse the next: on the way to its button, back (Shift+Tab) to give the reason.
    item = page.get_by_role("listitem").filter(has=page.get_by_role("heading", level=2)).first
    other = item.get_by_role("heading", level=2).inner_text()
    assert other != name
    tab_to(page, item.get_by_role("button", name=f"Refuser — {other}"))
    tab_to(page, item.get_by_role("textbox"), backwards=True)
    page.keyboard.type("La session de formation de mars convient mieux au service.")
    press(page, item.get_by_role("button", name=f"Refuser — {other}"), "Space")
    expect(page.get_by_role("status").first).to_contain_text(f"La demande de {other} est refusée")
    axe_check(page)
    expect(page.get_by_role("heading", level=2)).to_have_count(1)

    press(page, page.get_by_role("link", name="Retour à Mon parcours"), "Enter")
    expect(page.get_by_role("region", name="Demandes à approuver")).to_contain_text(
        "1 demande de votre organisation attend votre décision."
    )
    axe_check(page)
    statuses = Enrolment.objects.filter(pk__in=[e.pk for e in pending]).values_list(
        "status", flat=True
    )
    assert sorted(statuses) == sorted(
        [EnrolmentStatus.CONFIRMED, EnrolmentStatus.REJECTED, EnrolmentStatus.REQUESTED]
    )
    journey.finish()


def test_trainer_journey(page: Page, site):
    """Isabelle, on the morning of her session, fills in its attendance sheet: who came, who
    came for part of the day, who did not; those present have completed the module."""
    journey = Journey(page, "trainer")
    # Her coming run (the demo's history has a past one of the module too).
    run = CourseRun.objects.exclude(code__startswith="HIST-").get(module__code="PR-CVP")
    session = run.sessions().get()
    confirmed = run.enrolments.filter(status=EnrolmentStatus.CONFIRMED).count()
    assert confirmed == 12  # and three on the waiting list
    day = f"{session.start.astimezone(ZONE).day} "
    with time_machine.travel(session.start + dt.timedelta(hours=1), tick=True):
        sign_in(page, site, "formatrice")
        page.get_by_role("navigation", name="Navigation principale").get_by_role(
            "link", name="Mon parcours"
        ).click()
        teaching = page.get_by_role("region", name="Sessions que je donne")
        axe_check(page)
        teaching.get_by_role(
            "link", name=re.compile(f"^Feuille de présences — {day}")
        ).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Feuille de présences")
        expect(page.get_by_role("main")).to_contain_text(run.code)
        axe_check(page)

        sheet = page.get_by_role("table")
        rows = sheet.locator("tbody").get_by_role("row")  # one line per person
        expect(rows).to_have_count(confirmed)
        for index in range(confirmed):
            rows.nth(index).get_by_role("radio", name="Présent·e", exact=True).check()
        partly = rows.nth(1)
        partly_name = partly.get_by_role("rowheader").inner_text().splitlines()[0].strip()
        partly.get_by_role("radio", name="Partiellement présent·e").check()
        page.get_by_label(f"Heures suivies par {partly_name}").fill("3,5")
        rows.nth(2).get_by_role("radio", name="Absent·e").check()
        page.get_by_role("button", name="Enregistrer les présences").click()

        messages = page.get_by_role("status").first
        expect(messages).to_contain_text(f"Présences enregistrées pour {confirmed} personnes.")
        expect(messages).to_contain_text(
            f"{confirmed - 2} personnes ont maintenant terminé le module."
        )
        axe_check(page)
        expect(rows.nth(1).get_by_role("radio", name="Partiellement présent·e")).to_be_checked()
        expect(page.get_by_label(f"Heures suivies par {partly_name}")).to_have_value("3,50")
        expect(rows.nth(2).get_by_role("radio", name="Absent·e")).to_be_checked()
        assert run.enrolments.filter(status=EnrolmentStatus.COMPLETED).count() == confirmed - 2
        journey.finish()


def test_facilitator_journey(page: Page, site):
    """Julien gives his weekly availability, declares an absence with the keyboard (his
    meeting that day is freed), and takes the attendance of the last meeting he facilitated,
    the children's safety instructions in sight."""
    journey = Journey(page, "facilitator")
    me = get_user_model().objects.get(username="animateur")
    cycle = Cycle.objects.get(name=ESNEUX.name)
    colleague = get_user_model().objects.get(username="anim-03")
    # A meeting ahead that he facilitates with anim-03: the day he will be away.
    shared = Session.objects.filter(
        series__support_cycle=cycle, start__gt=timezone.now(), assignments__person=me
    ).filter(assignments__person=colleague)
    away = shared.order_by("start").last().start.astimezone(ZONE).date()
    away_heading = f"{away:%d/%m/%Y}"

    sign_in(page, site, "animateur")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Mes groupes"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes groupes")
    coming = page.get_by_role("region", name="Rencontres à venir")
    meeting = coming.get_by_role("region", name=away_heading)
    expect(meeting).to_have_count(1)
    expect(meeting).to_contain_text("Lieu : Local d'accueil")  # given to facilitators only
    expect(meeting).to_contain_text(f"Avec : {colleague.get_full_name()}")
    axe_check(page)

    # Availability: Wednesday afternoons.
    page.get_by_role("link", name="Mes disponibilités et absences").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes disponibilités et absences")
    axe_check(page)
    weekly = page.get_by_role("region", name="Disponibilités hebdomadaires")
    weekly.get_by_label("Jour").select_option(label="mercredi")
    weekly.get_by_label("De").fill("13:00")
    weekly.get_by_label("Jusqu'à").fill("18:00")
    weekly.get_by_role("button", name="Ajouter cette disponibilité").click()
    expect(page.get_by_role("status").first).to_contain_text("Disponibilité ajoutée")
    expect(page.get_by_role("region", name="Disponibilités hebdomadaires")).to_contain_text(
        "mercredi 13:00–18:00"
    )
    axe_check(page)

    # An absence, with the keyboard only: a wrong date first, then the right one.
    absences = page.get_by_role("region", name="Absences")
    tab_to(page, absences.get_by_label("Premier jour"))
    page.keyboard.type(f"{away:%d/%m/%Y}")
    tab_to(page, absences.get_by_label("Dernier jour"))
    page.keyboard.type(f"{away - dt.timedelta(days=1):%d/%m/%Y}")
    tab_to(page, absences.get_by_label("Raison (facultatif, privé)"))
    page.keyboard.type("Rendez-vous médical")
    press(page, absences.get_by_role("button", name="Déclarer cette absence"), "Enter")
    summary = page.get_by_role("alert").filter(has_text="Dernier jour")
    expect(summary).to_be_visible()
    axe_check(page)
    field = page.get_by_role("region", name="Absences").get_by_label("Dernier jour")
    tab_to(page, field)
    page.keyboard.press("Control+A")
    page.keyboard.type(f"{away:%d/%m/%Y}")
    press(
        page,
        page.get_by_role("region", name="Absences").get_by_role(
            "button", name="Déclarer cette absence"
        ),
        "Enter",
    )
    expect(page.get_by_role("status").first).to_contain_text(
        f"Votre absence du {away:%d/%m/%Y} au {away:%d/%m/%Y} est enregistrée."
    )
    expect(page.get_by_role("region", name="Absences")).to_contain_text(
        f"Du {away:%d/%m/%Y} au {away:%d/%m/%Y}"
    )
    axe_check(page)

    # "Mes groupes": the meeting of that day is no longer his.
    page.get_by_role("link", name="Retour à mes groupes").click()
    coming = page.get_by_role("region", name="Rencontres à venir")
    expect(coming.get_by_role("region").first).to_be_visible()
    expect(coming.get_by_role("region", name=away_heading)).to_have_count(0)
    axe_check(page)

    # The attendance of the latest meeting held, still to take.
    past = page.get_by_role("region", name="Rencontres des 30 derniers jours")
    held = past.get_by_role("region").filter(has_text="Présences non prises").first
    expect(held.get_by_text("Avec :")).not_to_have_text("Avec : pas encore de co-animateur·rice")
    held_id = int(held.get_attribute("data-session"))
    held.get_by_role("link", name="Prendre les présences").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feuille de présences")
    axe_check(page)
    alerts = page.get_by_role("alert").filter(has_text="Consignes de sécurité").first
    expect(alerts).to_be_visible()
    session = Session.objects.get(pk=held_id)
    on_sheet = services.attendance_sheet_memberships(session)
    never = SafetyInstruction.objects.filter(
        participant__in=[m.participant_id for m in on_sheet]
    ).exclude(kind=SafetyKind.AUTHORISED_PICKUP)
    assert never.exists()
    for instruction in never:
        expect(alerts).to_contain_text(instruction.who)
    children = page.get_by_role("main").get_by_role("group")
    count = children.count()
    assert count == len(on_sheet) > 0
    # The sheet names the children (by alias and code): only here, never in the admin board.
    for membership in on_sheet:
        expect(page.get_by_role("region", name=membership.participant.code)).to_be_visible()
    statuses = ["Absent·e" if index % 3 == 2 else "Présent·e" for index in range(count)]
    for index, status in enumerate(statuses):
        children.nth(index).get_by_role("radio", name=status).check()
    page.get_by_role("button", name="Enregistrer les présences").click()
    expect(page.get_by_role("status").first).to_contain_text(str(count))
    axe_check(page)
    page.reload()
    for index, status in enumerate(statuses):
        expect(children.nth(index).get_by_role("radio", name=status)).to_be_checked()
    assert MeetingAttendance.objects.filter(session_id=held_id).count() == count
    assert (
        MeetingAttendance.objects.filter(
            session_id=held_id, status=MeetingAttendanceStatus.ABSENT
        ).count()
        == count // 3
    )

    page.get_by_role("link", name="Retour à mes groupes").click()
    past = page.get_by_role("region", name="Rencontres des 30 derniers jours")
    expect(
        past.locator(f'[data-session="{held_id}"]').get_by_text("Présences prises")
    ).to_be_visible()
    axe_check(page)
    journey.finish()


def test_commune_coordinator_journey(page: Page, site, tmp_path):
    """Marc, coordinator of Esneux, in the admin: approves the requests of a run, fills a gap
    of the Esneux group's roster and completes it with the proposal, issues the certificate
    still due for a run, and imports a member file (what is not his commune's is refused)."""
    journey = Journey(page, "commune-coordinator")
    cycle = Cycle.objects.get(name=ESNEUX.name)
    aliases = sorted(Participant.objects.values_list("alias", flat=True))
    codes = sorted(Participant.objects.values_list("code", flat=True))
    colleague = get_user_model().objects.get(username="anim-03")
    requested = Enrolment.objects.filter(
        run__code="RES-GRP-2027-01", status=EnrolmentStatus.REQUESTED
    )
    assert requested.count() == 2
    sign_in_admin(page, site, "coord-esneux")

    # --- approving the requests of a run ----------------------------------------------------
    admin_menu(page, "Formations", "Sessions de formation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sessions de formation")
    axe_check(page)
    page.get_by_role("link", name=re.compile(r"^RES-GRP-2027-01 — ")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("RES-GRP-2027-01")
    axe_check(page)
    for enrolment in list(requested.select_related("person")):
        name = enrolment.person.get_full_name()
        enrolments = page.get_by_role("region", name="Inscriptions")
        enrolments.get_by_role("button", name=f"Approuver — {name}").click()
        expect(page.get_by_role("status").first).to_contain_text(
            f"La demande de {name} est approuvée"
        )
        row = page.get_by_role("region", name="Inscriptions").get_by_role("row", name=name)
        expect(row).to_contain_text("Confirmée")
        axe_check(page)
    assert not requested.exists()

    # --- the roster board -------------------------------------------------------------------
    admin_menu(page, "Planning des groupes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Planning des groupes")
    assert _children_on(page, aliases, codes) == []
    axe_check(page)
    page.get_by_role("combobox", name="Cycle").select_option(label=ESNEUX.name)
    page.get_by_role("button", name="Afficher", exact=True).click()
    board_url = re.compile(rf"/admin/groupes/planning/\?cycle={cycle.pk}(&|$)")
    expect(page).to_have_url(board_url)
    summary = page.locator("[data-roster-summary]")
    expect(summary).to_contain_text(ESNEUX.name)
    gaps_at_first = int(summary.get_attribute("data-gaps"))
    assert gaps_at_first > 0
    expect(page.locator("a[data-gap]")).to_have_count(gaps_at_first)
    assert _children_on(page, aliases, codes) == []
    axe_check(page)

    # The first upcoming meeting with an open seat: anim-03's, who declared an absence.
    upcoming_gap = page.locator("tr[data-session]:not([data-past]) a[data-gap]").first
    session_id = int(upcoming_gap.get_attribute("data-session"))
    upcoming_gap.click()
    expect(page.locator("section.roster-meeting")).to_have_attribute(
        "data-session", str(session_id)
    )
    expect(page.locator('[data-candidates="eligible"]')).to_be_visible()
    assert _children_on(page, aliases, codes) == []
    axe_check(page)
    ineligible = page.locator('[data-candidate][data-eligible="no"]')
    expect(ineligible.first.locator("[data-reason]").first).not_to_be_empty()
    absent = page.locator(f'[data-candidate="{colleague.pk}"][data-eligible="no"]')
    expect(absent.locator('[data-reason="absent"]')).not_to_be_empty()
    candidate = page.locator('[data-candidate][data-eligible="yes"]').first
    chosen = candidate.get_by_role("rowheader").inner_text().strip()
    reason = candidate.get_by_role("textbox")
    if reason.count():
        reason.fill("Remplacement de l'absence, vu avec l'équipe")
    candidate.get_by_role("button", name=f"Affecter — {chosen}").click()
    expect(page).to_have_url(board_url)
    expect(page.get_by_role("status").first).to_contain_text(chosen)
    expect(page.locator("a[data-gap]")).to_have_count(gaps_at_first - 1)
    expect(
        page.locator(f'tr[data-session="{session_id}"] td[data-person]', has_text=chosen)
    ).to_be_visible()
    axe_check(page)

    # Completing the roster: the proposal, then accepted.
    page.get_by_role("link", name="Compléter le planning").click()
    proposal = page.locator("[data-proposal]")
    expect(proposal).to_be_visible()
    filled = int(proposal.get_attribute("data-filled"))
    assert 0 < filled <= int(proposal.get_attribute("data-gaps-before")) <= gaps_at_first - 1
    expect(page.locator("[data-proposal-diff] [data-proposed]")).to_have_count(filled)
    assert _children_on(page, aliases, codes) == []
    axe_check(page)
    page.get_by_role("button", name="Accepter la proposition").click()
    applied = page.locator("[data-applied]")
    expect(applied).to_be_visible()
    assigned = int(applied.get_attribute("data-applied"))
    assert 0 < assigned <= filled
    expect(page.locator("[data-assigned]")).to_have_count(assigned)
    assert _children_on(page, aliases, codes) == []
    axe_check(page)
    page.get_by_role("link", name="Retour au planning des groupes").click()
    expect(page).to_have_url(board_url)
    expect(page.locator("a[data-gap]")).to_have_count(gaps_at_first - 1 - assigned)
    axe_check(page)

    # --- issuing the certificates of a run --------------------------------------------------
    due = Enrolment.objects.get(run__code="RES-GRP-HIST-1", person__username="pro-10")
    admin_menu(page, "Formations", "Sessions de formation")
    axe_check(page)
    page.get_by_role("link", name=re.compile(r"^RES-GRP-HIST-1 — ")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("RES-GRP-HIST-1")
    axe_check(page)
    page.get_by_role("navigation", name="Actions").get_by_role(
        "link", name="Émettre les attestations"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attestations de RES-GRP-HIST-1")
    preview = page.get_by_role("region", name="Qui reçoit une attestation")
    expect(preview.get_by_role("row", name=due.person.get_full_name())).to_contain_text(
        "Sera émise"
    )
    axe_check(page)
    page.get_by_role("button", name="Émettre 1 attestation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Émission des attestations de RES-GRP-HIST-1"
    )
    expect(page.get_by_role("main")).to_contain_text("Terminé : 1 attestation émise sur 1.")
    axe_check(page)
    assert Certificate.objects.filter(run=due.run, holder=due.person).exists()

    # --- importing a member file ------------------------------------------------------------
    admin_menu(page, "Réseau", "Membres")
    expect(page.get_by_role("heading", level=1)).to_have_text("Membres")
    axe_check(page)
    page.get_by_role("link", name="Importer").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importation : Membres")
    axe_check(page)
    page.get_by_label("Fichier (CSV ou XLSX)").set_input_files(str(SAMPLE_MEMBERS))
    page.get_by_role("button", name="Vérifier le fichier").click()
    counts = page.get_by_role("table", name="Décompte")
    expect(counts.get_by_role("row").nth(1)).to_have_text(re.compile(r"1\s*0\s*0\s*4"))
    expect(page.get_by_role("alert")).to_contain_text("rien ne sera importé")
    expect(page.get_by_role("table", name="Lignes du fichier")).to_contain_text(
        "Vous ne coordonnez pas Chaudfontaine"
    )
    axe_check(page)

    # A corrected file: the Esneux rows only, and two colleagues more.
    lines = SAMPLE_MEMBERS.read_text(encoding="cp1252").splitlines()
    esneux = [line for line in lines[1:] if ";Esneux;" in line]
    corrected = tmp_path / "membres-esneux.csv"
    corrected.write_text(
        "\r\n".join(
            [
                lines[0],
                *esneux,
                "Dubois;Margaux;m.dubois@cpas-esneux.example;CPAS d'Esneux;Esneux;"
                "Assistante sociale;",
                "Hardy;Théo;theo.hardy@ecole-esneux.example;École communale d'Esneux;Esneux;"
                "Instituteur;04 380 55 66",
            ]
        ),
        encoding="cp1252",
    )
    page.get_by_role("link", name="Déposer un fichier corrigé").click()
    axe_check(page)
    page.get_by_label("Fichier (CSV ou XLSX)").set_input_files(str(corrected))
    page.get_by_role("button", name="Vérifier le fichier").click()
    counts = page.get_by_role("table", name="Décompte")
    expect(counts.get_by_role("row").nth(1)).to_have_text(re.compile(r"3\s*0\s*0\s*0"))
    axe_check(page)
    page.get_by_role("button", name="Confirmer l'importation").click()
    expect(page.get_by_role("link", name="Importer un autre fichier")).to_be_visible()
    axe_check(page)
    imported = ("sophie.lejeune@cpas-esneux.example", "m.dubois@cpas-esneux.example")
    assert MemberProfile.objects.filter(user__email__in=imported).count() == 2

    admin_menu(page, "Réseau", "Membres")
    expect(page.get_by_role("heading", level=1)).to_have_text("Membres")
    axe_check(page)
    page.get_by_role("textbox", name="Terme de recherche").fill("Lejeune")
    page.keyboard.press("Enter")
    expect(page.get_by_role("table")).to_contain_text("Sophie")
    axe_check(page)
    journey.finish()


def _children_on(page: Page, aliases: list[str], codes: list[str]) -> list[str]:
    """The children's aliases shown on the page, and their codes anywhere in its markup."""
    text = page.locator("body").inner_text()
    markup = page.content()
    return [a for a in aliases if re.search(rf"\b{re.escape(a)}\b", text)] + [
        c for c in codes if c in markup
    ]
