"""Shared steps of the end-to-end journeys (tests/hub_tests/test_journeys_browser.py).

A journey is driven as a person would: the sign-in form, links and buttons found by their role
and accessible name, labels, real clicks or the keyboard. Every page it lands on is checked by
axe-core (WCAG 2.1 A and AA; no serious or critical violation), and its final screen is kept as
a screenshot under `MAILLAGE_ARTEFACTS_DIR` (default: var/artefacts/journeys/).

    journey = Journey(page, "professional")  # follows the pages `page` lands on
    sign_in(page, site, "professionnelle")  # axe-checks the pages of the sign-in
    ...  # after each navigation: axe_check(page)
    journey.finish()  # every page was checked; var/artefacts/journeys/professional.png

Helpers: `sign_in` (front end), `sign_in_admin` (Wagtail), `sign_out`, `admin_menu` (Wagtail's
sidebar), `tab_to` and `press` (keyboard only, the focus visible at each stop), `axe_check`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

PASSWORD = "demo-maillage"
REPO = Path(__file__).resolve().parents[1]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = ("serious", "critical")
_axe = Axe()
SETTLE = """async () => {
    // Fades that end within a second (a message appearing); not endless or slow ones.
    const ending = document.getAnimations().filter(animation => {
        const timing = animation.effect && animation.effect.getComputedTiming();
        return timing && timing.endTime - (timing.localTime || 0) <= 1000;
    });
    const ended = Promise.all(ending.map(animation => animation.finished.catch(() => null)));
    await Promise.race([ended, new Promise(resolve => setTimeout(resolve, 1500))]);
}"""


def artefacts_dir() -> Path:
    """Where the screenshots of the journeys go (created)."""
    folder = Path(
        os.environ.get("MAILLAGE_ARTEFACTS_DIR") or REPO / "var" / "artefacts" / "journeys"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def axe_violations(page: Page, *, disable: dict[str, str] | None = None) -> list[str]:
    """The serious and critical WCAG 2.1 A/AA violations of the page, one line each.

    `disable` names rules not to run, each with the reason (a violation of Wagtail's own
    markup that we cannot change): keep it to the page where it happens."""
    options: dict = {
        "resultTypes": ["violations"],
        "runOnly": {"type": "tag", "values": AXE_TAGS},
    }
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    # Colours are measured as shown: let fade-ins (Wagtail's messages) end first.
    page.evaluate(SETTLE)
    results = _axe.run(page, options=options)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + ", ".join(_node(node) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def _node(node: dict) -> str:
    summary = " ".join(node.get("failureSummary", "").split())
    return f"{node['target']} [{summary[:200]}]"


def axe_check(page: Page, *, disable: dict[str, str] | None = None) -> None:
    """Assert that axe-core finds no serious or critical violation on the page."""
    found = axe_violations(page, disable=disable)
    assert found == [], f"{page.url}: " + "; ".join(found)
    for journey in getattr(page, JOURNEYS, ()):
        journey.checked(page)


JOURNEYS = "_maillage_journeys"  # the journeys following a page, on the page object


class Journey:
    """Follows the pages a journey lands on, so that none escapes the axe check."""

    def __init__(self, page: Page, name: str) -> None:
        self.page = page
        self.name = name
        self.visits: list[tuple[Page, str]] = []
        self.done: set[int] = set()
        self.watch(page)

    def watch(self, page: Page) -> Page:
        """Follow another page (e.g. a visitor's, in a context of its own).

        A visit is a navigation to another address (the fragment aside): a form that answers
        with a redirect to the same address stays the same visit."""
        setattr(page, JOURNEYS, [*getattr(page, JOURNEYS, ()), self])

        def navigated(frame) -> None:
            if frame != page.main_frame:
                return
            url = urldefrag(frame.url).url
            last = next((u for p, u in reversed(self.visits) if p is page), None)
            if url != last:
                self.visits.append((page, url))

        page.on("framenavigated", navigated)
        return page

    def checked(self, page: Page) -> None:
        for index in range(len(self.visits) - 1, -1, -1):
            if self.visits[index][0] is page:
                self.done.add(index)
                return

    def unchecked(self) -> list[str]:
        return [url for index, (_p, url) in enumerate(self.visits) if index not in self.done]

    def finish(self, page: Page | None = None) -> Path:
        """Every page landed on was checked; keep a full-page screenshot of the last one (and
        the list of the pages checked, beside it)."""
        assert self.unchecked() == [], f"pages not checked by axe: {self.unchecked()}"
        folder = artefacts_dir()
        path = folder / f"{self.name}.png"
        path.unlink(missing_ok=True)
        page = page or self.page
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=True)
        assert path.is_file() and path.stat().st_size > 0
        pages = [urlsplit(url)._replace(scheme="", netloc="").geturl() for _p, url in self.visits]
        (folder / f"{self.name}.pages.txt").write_text("\n".join(pages) + "\n")
        return path


# --- signing in and out ------------------------------------------------------------------------


def sign_in(page: Page, site: str, username: str) -> None:
    """The front end's sign-in form, from the link in the header; lands on the home page."""
    page.goto(site + "/")
    axe_check(page)
    page.get_by_role("link", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    axe_check(page)
    page.get_by_label("Identifiant ou e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    axe_check(page)


def sign_in_admin(page: Page, site: str, username: str) -> None:
    """Wagtail's sign-in form, as a coordinator opens the admin; lands on its dashboard."""
    page.goto(site + "/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("S'identifier")
    axe_check(page)
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(site + "/admin/")
    axe_check(page)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    axe_check(page)


def admin_menu(page: Page, *names: str) -> None:
    """Follow Wagtail's sidebar: open each menu by name, then click the last item."""
    sidebar = page.get_by_role("navigation", name="Menu principal")
    for name in names[:-1]:
        sidebar.get_by_role("button", name=name, exact=True).click()
    sidebar.get_by_role("link", name=names[-1], exact=True).click()


# --- the keyboard ------------------------------------------------------------------------------

FOCUS_STYLE = """el => {
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow && style.boxShadow !== "none";
    return {
        visible: el.matches(":focus-visible") && (outline || shadow),
        what: el.outerHTML.slice(0, 120),
        outline: `${style.outlineStyle} ${style.outlineWidth}`,
    };
}"""


def focus_is_visible(page: Page) -> None:
    """The focused control shows where the focus is (an outline or a ring)."""
    style = page.evaluate(f"({FOCUS_STYLE})(document.activeElement)")
    assert style["visible"], f"no visible focus on {style['what']} (outline {style['outline']})"


def tab_to(page: Page, target: Locator, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus, checking at each stop that the
    focus is visible; fails after `limit` presses."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("document.activeElement === document.body"):
            continue
        focus_is_visible(page)
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} never got the focus with {key}")


def text_of_pdf(content: bytes) -> str:
    """The text of a PDF, its whitespace collapsed."""
    import io

    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def verification_code(text: str) -> str:
    """The verification code in the link a certificate prints."""
    match = re.search(r"/attestations/verifier/([A-Za-z0-9_-]+)/", text)
    assert match, "no verification link in the certificate"
    return match.group(1)


def press(page: Page, target: Locator, key: str = "Enter") -> None:
    """Reach `target` with Tab (unless it has the focus already), then press `key`."""
    if not target.evaluate("el => el === document.activeElement"):
        tab_to(page, target)
    page.keyboard.press(key)
