"""The machinery of the accessibility sweeps (test_accessibility_browser.py and
test_reflow_browser.py).

A role signs in (a session cookie made by Django's test client: the sign-in form itself is
covered by the journeys), then a crawler follows the links of the pages it reaches, one page
per URL name (a few Wagtail pages), and axe-core checks each page against WCAG 2.1 A and AA.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.hub_tests.test_browser import AXE_OPTIONS

ROLES = ("professionnelle", "referente", "formatrice", "animateur", "coord-esneux", "coordination")

# Front-end URL names that are no page: files, feeds, JSON documents, actions.
NOT_PAGES = {
    "logout",
    "set_language",
    "certificates:pdf",
    "certificates:badge",
    "certificates:scan",
    "certificates:issuer",
    "certificates:jwks",
    "certificates:key",
    "certificates:status_list",
    "certificates:achievement",
    "sessions:session_ics",
    "sessions:series_feed",
    "sessions:personal_feed",
    "sessions:rotate_feed",
    "sessions:revoke_feed",
    "network:second_factor_codes",
    "wagtail_serve",  # Wagtail pages are given as seeds: the demo has dozens of modules
}

# Our own admin views (their templates are ours): `admin_paths` finds one of each, and the
# crawler follows their links. Wagtail's stock views (listings, edit forms, history) are not
# ours.
CUSTOM_ADMIN = {
    "wagtailadmin_home",  # our dashboard panels
    "network_import:upload",
    "network_privacy_index",
    "network_privacy_person",
    "groups_statistics:index",
    "network_members:invite",
    "network_members:invitations",
    "network_members:deactivate",
    "network_members:reset_second_factor",
    "sessions_series:add",
    "sessions_series:edit",
    "sessions_series:split",
    "sessions_sessions:cancel",
    "sessions_sessions:move",
    "sessions_closures:import_ics",
    "sessions_assignments:assign",
    "lms_runs:inspect",
    "lms_runs:cancel",
    "lms_runs:evaluations",
    "lms_enrolments:approve",
    "lms_enrolments:reject",
    "lms_enrolments:promote",
    "lms_enrolments:cancel",
    "certificates_registry:inspect",
    "certificates_registry:add",
    "certificates_registry:revoke",
    "certificates_registry:reissue",
    "certificates_requests:issue",
    "certificates_requests:decline",
    "certificates_bulk:preview",
    "groups_cycles:inspect",
    "groups_participants:inspect",
    "groups_swaps:index",
    "groups_swaps:decide",
    "groups_roster:board",
    "groups_roster:gap",
    "groups_roster:unassign",
    "groups_roster:proposal",
    "reports:index",
}
ADMIN_START = (
    "/admin/",
    "/admin/importer/members/",
    "/admin/vie-privee/",
    "/admin/groupes/statistiques/",
    "/admin/rapports/",
    "/admin/groupes/planning/",
    "/admin/groupes/planning/proposition/",
    "/admin/groupes/echanges/",
    "/admin/membres/inviter/",
    "/admin/membres/invitations/",
    "/admin/attestations/new/",
    "/admin/agenda/series/new/",
    "/admin/agenda/fermetures/importer/",
    "/admin/agenda/affectations/affecter/",
)


def admin_paths(username: str) -> list[str]:
    """Our admin views for objects in the role's scope (Wagtail's listings show their row
    actions in <template>s: no crawler finds them there)."""
    from django.utils import timezone

    from certificates.models import Certificate, CertificateStatus, IssueRequest, RequestStatus
    from groups.models import Cycle, Participant
    from lms.models import CourseRun, Enrolment, EnrolmentStatus
    from network import permissions
    from network.models import MemberProfile
    from sessions.models import Session

    user = get_user_model().objects.get(username=username)
    paths = list(ADMIN_START)

    def add(name: str, obj, query: str = "") -> None:
        if obj is not None:
            paths.append(reverse(name, args=[obj.pk]) + query)

    def first(model, action="change", **filters):
        return permissions.visible(user, model, action).filter(**filters).order_by("pk").first()

    cycle = first(Cycle)
    add("groups_cycles:inspect", cycle)
    if cycle is not None:
        paths.append(f"{reverse('groups_roster:proposal')}?cycle={cycle.pk}")
    add("groups_participants:inspect", first(Participant, "view"))
    run = first(CourseRun, series__sessions__start__lt=timezone.now())
    for name in ("lms_runs:inspect", "lms_runs:cancel", "lms_runs:evaluations"):
        add(name, run)
    if run is not None:
        paths.append(reverse("certificates_bulk:preview", args=[run.pk]))
        add("sessions_series:edit", run.series)
        add("sessions_series:split", run.series)
    add("lms_enrolments:approve", first(Enrolment, status=EnrolmentStatus.REQUESTED))
    add("lms_enrolments:promote", first(Enrolment, status=EnrolmentStatus.WAITLISTED))
    add("lms_enrolments:cancel", first(Enrolment, status=EnrolmentStatus.CONFIRMED))
    session = first(Session, start__gt=timezone.now())
    add("sessions_sessions:cancel", session)
    add("sessions_sessions:move", session)
    certificate = first(Certificate, "view", status=CertificateStatus.VALID)
    for name in ("inspect", "revoke", "reissue"):
        add(f"certificates_registry:{name}", certificate)
    request = first(IssueRequest, "view", status=RequestStatus.PENDING)
    add("certificates_requests:issue", request)
    add("certificates_requests:decline", request)
    members = permissions.visible(user, MemberProfile, "change").exclude(user=user)
    add("network_members:deactivate", members.filter(user__is_active=True).order_by("pk").first())
    if permissions.is_network_coordination(user):
        add("network_privacy_person", get_user_model().objects.get(username="professionnelle"))
    return paths


def sign_in(page: Page, site: str, username: str) -> None:
    """Give the browser a signed-in session of `username` (no second factor in tests)."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": site}]
    )


def serious_violations(page: Page, options: dict | None = None) -> list[str]:
    """axe-core's serious and critical violations of the page, one line per element."""
    results = Axe().run(page, options=options or AXE_OPTIONS)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        for node in violation["nodes"][:3]:
            found.append(f"{violation['id']} ({violation['impact']}): {node['target']}")
    return found


def url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def wagtail_seeds() -> list[str]:
    """Wagtail pages, one of each kind: home, legal pages, catalogue, a path, a module."""
    from lms.models import ModulePage, TrainingPathPage

    seeds = ["/", "/vie-privee/", "/accessibilite/", "/formations/"]
    for model in (TrainingPathPage, ModulePage):
        page = model.objects.live().order_by("path").first()
        if page is not None:
            seeds.append(page.url)
    return seeds


def front_seeds(username: str | None) -> list[str]:
    seeds = [
        *wagtail_seeds(),
        "/groupes-de-parole/",
        reverse("certificates:verify_form"),
        "/attestations/verifier/CODE-INCONNU/",
    ]
    if username is None:
        return [*seeds, "/connexion/", "/mot-de-passe/oublie/", "/inscription/"]
    return [
        *seeds,
        "/mon-parcours/",
        "/mon-agenda/",
        "/mon-compte/",
        "/mon-compte/double-authentification/",
        "/mot-de-passe/changer/",
        "/mes-groupes/",
        "/mes-groupes/disponibilites/",
        "/mon-parcours/demandes/",
    ]


@dataclass
class Crawl:
    """Visit pages once per URL name, check each with `check`, and follow their links."""

    page: Page
    site: str
    check: Callable[[Page, str], list[str]]
    admin: bool = False
    limit: int = 60
    seen_paths: set[str] = field(default_factory=set)
    seen_names: set[str] = field(default_factory=set)
    visited: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)

    def wanted(self, path: str) -> bool:
        name = url_name(urlsplit(path).path)
        if name is None:
            return False
        if self.admin:
            return name in CUSTOM_ADMIN and name not in self.seen_names
        if path.startswith(("/admin/", "/static/", "/media/", "/documents/")):
            return False
        return name not in NOT_PAGES and name not in self.seen_names

    def links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all(
            "a[href]:not([download])", "links => links.map(a => a.getAttribute('href'))"
        )
        paths = []
        for href in hrefs:
            parts = urlsplit(urljoin(self.page.url, href))
            if f"{parts.scheme}://{parts.netloc}" != self.site:
                continue
            paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        return paths

    def visit(self, path: str) -> bool:
        self.seen_paths.add(path)
        try:
            response = self.page.goto(self.site + path)
        except PlaywrightError as error:  # a file download
            if "Download is starting" in str(error):
                return False
            raise
        if response is None or not response.headers.get("content-type", "").startswith("text/html"):
            return False
        final = urlsplit(self.page.url).path
        name = url_name(final)
        if name is not None:
            if name in self.seen_names and name != "wagtail_serve":
                return True
            self.seen_names.add(name)
            self.visited.append(final)
            found = self.check(self.page, final)
            if found:
                self.problems[final] = found
        return True

    def run(self, seeds: Iterable[str]) -> None:
        queue = [(path, True) for path in seeds]
        while queue and len(self.visited) < self.limit:
            path, seed = queue.pop(0)
            if path in self.seen_paths or not (seed or self.wanted(path)):
                continue
            if self.visit(path):
                queue.extend((link, False) for link in self.links() if self.wanted(link))


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.body.querySelectorAll("*")].filter(element => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1 && !element.closest(".table-wrap, .prose table");
  });
  return {
    scroll: document.documentElement.scrollWidth,
    width,
    culprits: wide.slice(0, 3).map(e => {
      const classes = typeof e.className === "string" ? e.className.trim().split(/\\s+/) : [];
      return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
        + classes.filter(Boolean).map(c => "." + c).join("");
    }),
  };
}"""


FOCUSED = """() => {
  let element = document.activeElement;
  while (element && element.shadowRoot && element.shadowRoot.activeElement) {
    element = element.shadowRoot.activeElement;  // Wagtail's user bar is a web component
  }
  if (!element || element === document.body) return null;
  if (element.dataset.keyboardWalked) return {again: true};
  element.dataset.keyboardWalked = "1";
  const box = element.getBoundingClientRect();
  const style = getComputedStyle(element);
  return {
    name: element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
      + (element.getAttribute("href") ? "[href=" + element.getAttribute("href") + "]" : ""),
    // Not hidden, not a 1 px "visually hidden" box, not pushed off the screen's sides.
    visible: box.width > 1 && box.height > 1 && style.visibility !== "hidden"
      && box.right > 0 && box.left < window.innerWidth,
    ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def keyboard_walk(page: Page, limit: int = 80) -> list[str]:
    """Tab through the page: every stop must be visible and show a focus ring (2.4.7)."""
    problems = []
    # From the top of the page, as a visitor who just opened it.
    page.evaluate(
        "document.body.tabIndex = -1; document.body.focus();"
        " document.body.removeAttribute('tabindex')"
    )
    for _step in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stop is None or stop.get("again"):
            break  # back to the start: the whole page has been walked
        if not stop["visible"]:
            problems.append(f"focus on an invisible element: {stop['name']}")
        elif not stop["ring"]:
            problems.append(f"no visible focus ring: {stop['name']}")
    return problems


def overflow(page: Page) -> str:
    """How far the page scrolls sideways, and the first elements sticking out ("" if none)."""
    found = page.evaluate(OVERFLOW)
    if found["scroll"] <= found["width"] + 1:
        return ""
    return f"{found['scroll']}px wide at {found['width']}px: {', '.join(found['culprits'])}"


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{path}: {', '.join(found)}" for path, found in problems.items())
