"""The import wizard in Chromium with a file large enough to go to the worker: the progress
page follows the check, goes on to the preview by itself, then follows the import."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from network import import_jobs
from network.models import ImportJob, MemberProfile

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "demo-maillage"
HEADER = "Nom;Prénom;E-mail;Organisation;Commune;Fonction;Téléphone"


class _NoWorker:
    """Stands for the task: the test plays the worker, so that the page is seen waiting."""

    def enqueue(self, *args, **kwargs):
        return None


@pytest.fixture
def site(live_server, migrated_data, settings, monkeypatch):
    settings.MAILLAGE_IMPORT_BACKGROUND_ROWS = 3
    monkeypatch.setattr("network.tasks.import_job_task", _NoWorker())
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    return live_server.url


def _axe_serious(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        context={"include": [["#main"]]},
        options={
            "resultTypes": ["violations"],
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        },
    )
    return [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]


def test_a_large_member_file_is_followed_by_a_progress_bar(page: Page, site, tmp_path):
    rows = [
        f"Nom{i};Prénom{i};grand{i}@cpas-esneux.example;CPAS d'Esneux;Esneux;Assistant;"
        for i in range(6)
    ]
    file = tmp_path / "membres.csv"
    file.write_text("\r\n".join([HEADER, *rows]), encoding="cp1252")

    page.goto(site + "/admin/login/")
    page.locator("#id_username").fill("coordination")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(site + "/admin/")
    page.goto(site + "/admin/membres/")
    page.get_by_role("link", name="Importer").first.click()
    page.get_by_label("Fichier (CSV ou XLSX)").set_input_files(str(file))
    page.get_by_role("button", name="Vérifier le fichier").click()

    # The check waits for the worker: the page says so and shows an empty bar.
    expect(page).to_have_url(re.compile(r"/suivi/$"))
    expect(page.locator("[data-progress-summary]")).to_contain_text("arrière-plan")
    expect(page.locator("progress")).to_have_attribute("value", "0")
    assert _axe_serious(page) == []
    job = ImportJob.objects.get()
    import_jobs.run_job(job.pk)

    # Done: the page goes on to the preview by itself.
    expect(page.locator('[data-count="new"]')).to_have_text("6")
    page.get_by_role("button", name="Confirmer l'importation").click()
    expect(page).to_have_url(re.compile(r"/suivi/$"))
    real = ImportJob.objects.get(dry_run=False)
    import_jobs.run_job(real.pk)
    expect(page.locator("[data-progress]")).to_have_attribute("data-finished", "true")
    expect(page.locator('[data-count="new"]')).to_have_text("6")
    expect(page.get_by_role("link", name="Importer un autre fichier")).to_be_visible()
    assert MemberProfile.objects.filter(user__email__startswith="grand").count() == 6
