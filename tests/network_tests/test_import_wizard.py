"""The admin import wizard: upload, dry run row by row, confirm or download the failed rows;
a 403 at every step for whoever may not import, a 404 for someone else's upload."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from network import import_views
from network.models import AuditEntry, MemberProfile
from network.registries import due_jobs

pytestmark = pytest.mark.django_db

User = get_user_model()
SAMPLES = (
    Path(__file__).resolve().parents[1] / "data" / "imports"
)  # copies of ../shared/data/imports
HEADER = "Nom;Prénom;E-mail;Organisation;Commune;Fonction;Téléphone"
SAMPLE_EMAILS = [
    "sophie.lejeune@cpas-esneux.example",
    "t.renard@secova.example",
    "anais.gerard@aywaille.example",
    "benoit.collard@ecole-sprimont.example",
    "elodie.fraipont@cpas-trooz.example",
]


@pytest.fixture(autouse=True)
def _no_uploads_left():
    """The test storage lives in memory for the whole session: start each test empty."""
    storage = storages["private"]

    def clear():
        if storage.exists("imports"):
            for owner in storage.listdir("imports")[0]:
                for name in storage.listdir(f"imports/{owner}")[1]:
                    storage.delete(f"imports/{owner}/{name}")

    clear()
    yield
    clear()


def _csv(*lines: str) -> bytes:
    return "\r\n".join([HEADER, *lines]).encode("utf-8")


def _esneux(i: int) -> str:
    return f"Nom{i};Prénom{i};wizard{i}@cpas-esneux.example;CPAS d'Esneux;Esneux;Assistant;"


def _upload(client, data: bytes, name="membres.csv", kind="members", **extra):
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(reverse("network_import:upload", args=[kind]), {"file": file, **extra})


def _token(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.search(r"/admin/importer/members/([\w-]+)/$", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def _stored(user) -> list[str]:
    storage = storages["private"]
    folder = f"imports/{user.pk}"
    return storage.listdir(folder)[1] if storage.exists(folder) else []


def _count(html: str, status: str) -> int:
    return int(re.search(rf'data-count="{status}">(\d+)<', html).group(1))


def _urls(token: str, kind="members") -> dict[str, str]:
    return {
        "preview": reverse("network_import:preview", args=[kind, token]),
        "confirm": reverse("network_import:confirm", args=[kind, token]),
        "failed_rows": reverse("network_import:failed_rows", args=[kind, token]),
        "progress": reverse("network_import:progress", args=[kind, token]),
        "status": reverse("network_import:status", args=[kind, token]),
    }


def test_sample_file_through_the_wizard(signed_in, demo_data):
    client = signed_in("coordination")
    coordination = User.objects.get(username="coordination")
    form = client.get(reverse("network_import:upload", args=["members"]))
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.content.decode()

    token = _token(
        _upload(client, (SAMPLES / "membres-exemple.csv").read_bytes(), "membres-exemple.csv")
    )
    # The file, its description and its dry run's report, nothing else.
    assert {n.split(".", 1)[-1] for n in _stored(coordination)} == {token, "json", "report.json"}
    urls = _urls(token)
    preview = client.get(urls["preview"])
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "windows-1252" in html.lower()
    assert [_count(html, s) for s in ("new", "changed", "unchanged", "error")] == [5, 0, 0, 0]
    assert html.count('class="import-row import-row--new"') == 5
    assert "Élodie" in html  # the Windows-1252 file was decoded
    assert urls["confirm"] in html and urls["failed_rows"] not in html
    assert not User.objects.filter(email__in=SAMPLE_EMAILS).exists()  # a dry run writes nothing

    audits = AuditEntry.objects.filter(action="import.members").count()
    done = client.post(urls["confirm"])
    assert done.status_code == 200
    assert _count(done.content.decode(), "new") == 5
    assert MemberProfile.objects.filter(user__email__in=SAMPLE_EMAILS).count() == 5
    assert AuditEntry.objects.filter(action="import.members").count() == audits + 1
    assert _stored(coordination) == []  # the upload is gone after the import
    assert client.get(urls["preview"]).status_code == 404
    assert client.post(urls["confirm"]).status_code == 404


def test_one_bad_row_no_confirm_and_the_failed_rows_download(signed_in, demo_data):
    client = signed_in("coordination")
    bad = "Bad;Row;pas-une-adresse;CPAS d'Esneux;Esneux;;"
    token = _token(_upload(client, _csv(_esneux(1), bad, _esneux(2))))
    urls = _urls(token)
    html = client.get(urls["preview"]).content.decode()
    assert [_count(html, s) for s in ("new", "error")] == [2, 1]
    assert urls["confirm"] not in html
    assert urls["failed_rows"] in html
    assert reverse("network_import:upload", args=["members"]) in html  # a corrected file
    error_row = re.search(r'import-row--error" data-line="(\d+)">(.*?)</tr>', html, re.S)
    assert error_row.group(1) == "3"
    assert "<strong>E-mail</strong>" in error_row.group(2)
    assert "pas-une-adresse" in error_row.group(2)

    download = client.get(urls["failed_rows"])
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:-1] == HEADER.split(";") and len(rows[0]) == 8
    assert len(rows) == 2 and rows[1][2] == "pas-une-adresse"
    assert rows[1][-1].startswith("E-mail")

    # Confirming anyway (a forged POST) writes nothing and shows the rows again.
    response = client.post(urls["confirm"])
    assert response.status_code == 200 and urls["confirm"] not in response.content.decode()
    assert not User.objects.filter(email__startswith="wizard").exists()


def test_a_row_that_fails_at_confirmation_writes_nothing(signed_in, demo_data):
    """Re-validated on confirm: the organisation went inactive after the preview."""
    from network.models import Organisation

    client = signed_in("coordination")
    line = "Late;Row;late@hopital.example;CPAS de Trooz;Trooz;;"
    token = _token(_upload(client, _csv(_esneux(5), line)))
    urls = _urls(token)
    assert urls["confirm"] in client.get(urls["preview"]).content.decode()
    Organisation.objects.filter(name="CPAS de Trooz").update(is_active=False)
    response = client.post(urls["confirm"])
    html = response.content.decode()
    assert response.status_code == 200 and _count(html, "error") == 1
    assert urls["confirm"] not in html
    assert not User.objects.filter(email__in=["wizard5@cpas-esneux.example"]).exists()


def test_unreadable_or_incomplete_file_is_refused_on_the_form(signed_in, demo_data):
    client = signed_in("coordination")
    coordination = User.objects.get(username="coordination")
    response = _upload(client, b"PK\x03\x04 not really a zip", "membres.xlsx", sheet="Feuil2")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Feuil2"' in html  # what was typed is kept
    assert 'name="file"' in html
    response = _upload(client, b"Nom;Prenom\r\nA;B\r\n")
    assert response.status_code == 400
    assert "email, organisation" in response.content.decode()  # the missing columns
    assert _stored(coordination) == []


def test_size_limit_is_checked_before_reading(signed_in, demo_data, settings):
    settings.MAILLAGE_IMPORT_MAX_BYTES = 100
    client = signed_in("coordination")
    response = _upload(client, _csv(_esneux(1), _esneux(2)))
    assert response.status_code == 400
    errors = re.findall(r'<p class="error-message">(.*?)</p>', response.content.decode(), re.S)
    assert any("100" in e for e in errors), errors
    assert _stored(User.objects.get(username="coordination")) == []


@pytest.mark.parametrize("username", ["professionnelle", "animateur"])
def test_without_the_permission_every_step_is_a_403(client, signed_in, demo_data, username):
    coordination = signed_in("coordination")
    token = _token(_upload(coordination, _csv(_esneux(7))))
    urls = _urls(token)
    client = signed_in(username)
    upload_url = reverse("network_import:upload", args=["members"])
    assert client.get(upload_url).status_code == 403
    assert _upload(client, _csv(_esneux(8))).status_code == 403
    for url in urls.values():
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code == 403, url
    assert not User.objects.filter(email__startswith="wizard").exists()
    assert _stored(User.objects.get(username=username)) == []


def test_anonymous_is_sent_to_the_sign_in_page(client, demo_data):
    response = client.get(reverse("network_import:upload", args=["members"]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_unknown_kind_is_a_404(signed_in, demo_data):
    client = signed_in("coordination")
    assert client.get("/admin/importer/nothing-like-this/").status_code == 404


def test_someone_elses_upload_is_a_404(signed_in, demo_data):
    token = _token(_upload(signed_in("coordination"), _csv(_esneux(9))))
    client = signed_in("coord-esneux")
    for url in _urls(token).values():
        assert client.get(url).status_code in (404, 405), url
    assert client.post(_urls(token)["confirm"]).status_code == 404
    # The same token under another kind is not the upload either.
    client = signed_in("coordination")
    assert client.get(_urls(token, kind="organisations")["preview"]).status_code == 404
    assert client.get(_urls(token)["preview"]).status_code == 200


def test_commune_coordinator_cannot_import_into_another_commune(signed_in, demo_data):
    client = signed_in("coord-esneux")
    assert client.get(reverse("network_import:upload", args=["members"])).status_code == 200
    aywaille = "Autre;Commune;wizard-ay@cpas-aywaille.example;CPAS d'Aywaille;Aywaille;;"
    token = _token(_upload(client, _csv(_esneux(11), aywaille)))
    urls = _urls(token)
    html = client.get(urls["preview"]).content.decode()
    assert _count(html, "error") == 1 and urls["confirm"] not in html
    error_row = re.search(r'import-row--error" data-line="(\d+)">(.*?)</tr>', html, re.S)
    assert error_row.group(1) == "3" and "Aywaille" in error_row.group(2)
    client.post(urls["confirm"])
    assert not User.objects.filter(email__startswith="wizard").exists()


def test_members_listing_shows_the_import_button_to_importers_only(signed_in, demo_data):
    url = reverse("network_import:upload", args=["members"])
    listing = reverse("network_members:index")
    assert url in signed_in("coord-esneux").get(listing).content.decode()


def test_the_due_job_deletes_uploads_older_than_an_hour(signed_in, demo_data):
    assert "network.delete_old_import_uploads" in due_jobs
    coordination = User.objects.get(username="coordination")
    client = signed_in("coordination")
    start = dt.datetime.now(tz=dt.UTC)
    with time_machine.travel(start - dt.timedelta(hours=2), tick=False):
        old = _token(_upload(client, _csv(_esneux(20))))
    recent = _token(_upload(client, _csv(_esneux(21))))
    assert len(_stored(coordination)) == 6  # each: the file, its description, its report

    due_jobs.get("network.delete_old_import_uploads").task.enqueue()

    assert sorted(_stored(coordination)) == sorted(
        [recent, f"{recent}.json", f"{recent}.report.json"]
    )
    assert client.get(_urls(old)["preview"]).status_code == 404
    assert client.get(_urls(recent)["preview"]).status_code == 200
    assert import_views.delete_old_uploads(start + dt.timedelta(hours=2)) == 3


def test_an_expired_upload_is_refused_even_before_the_due_job(signed_in, demo_data):
    client = signed_in("coordination")
    token = _token(_upload(client, _csv(_esneux(30))))
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=50)):
        assert client.post(_urls(token)["confirm"]).status_code == 404
    assert _stored(User.objects.get(username="coordination")) == []
    assert not User.objects.filter(email="wizard30@cpas-esneux.example").exists()


def test_a_run_and_the_certificate_registry_offer_their_imports_to_coordinators(
    signed_in, demo_data
):
    from lms.models import CourseRun

    run = CourseRun.objects.get(code="PR-VEP-2026-01")
    page = signed_in("coordination").get(reverse("lms_runs:inspect", args=[run.pk]))
    body = page.content.decode()
    for kind in ("enrolments", "attendance"):
        assert reverse("network_import:upload", args=[kind]) in body
    registry = signed_in("coord-esneux").get(reverse("certificates_registry:index"))
    assert reverse("network_import:upload", args=["certificates"]) in registry.content.decode()
