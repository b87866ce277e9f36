"""`privacy_register`: the record of processing (GDPR art. 30) and a DPIA template, generated
from the privacy registry, in French by default, to standard output or two files."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from network import privacy
from network.processing_record import DPIA_FILENAME, RECORD_FILENAME, RISKS
from network.registries import due_jobs

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("privacy_register", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def english(django_db_blocker) -> str:
    with django_db_blocker.unblock():
        return _run("--language", "en")


def _part(text: str, heading: str) -> str:
    """The text under a `## heading`, up to the next heading of that level."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _record(text: str) -> str:
    return text[: text.index("\n# ")]


def _dpia(text: str) -> str:
    return text[text.index("\n# ") :]


def test_every_registered_model_is_an_activity_with_all_the_art_30_fields(english):
    record = _record(english)
    entries = privacy.registered()
    for entry in entries:
        match = re.search(rf"^#### .* \(`{re.escape(entry.key)}`\)\n\n((?:- .*\n)+)", record, re.M)
        assert match, entry.key
        fields = match.group(1)
        for label in (
            "Purpose",
            "Legal basis",
            "Data subjects",
            "Personal data",
            "Recipients",
            "Transfers outside the EU",
            "Retention",
            "How the retention is applied",
        ):
            assert f"- **{label}**: " in fields, (entry.key, label)
        with translation.override("en"):
            assert " ".join(str(entry.retention).split()) in fields
        if entry.purge_job:
            job = due_jobs.get(entry.purge_job)
            assert f"Automatic: the due job `{job.key}`" in fields, entry.key
        else:
            assert "Not automatic" in fields, entry.key
    summary = _part(record, "Summary")
    assert summary.count("\n| ") == len(entries) + 1  # the header and one row per model


def test_the_record_names_the_controller_and_leaves_the_dpo_to_complete(english, settings):
    controller = _part(_record(english), "Controller")
    assert settings.MAILLAGE_NETWORK_NAME in controller
    assert "- Data protection officer (name, contact): [To complete]" in controller
    declared = _part(english, "Models holding no personal data")
    for entry in privacy.registry.declared_without_personal_data():
        assert f"`{entry.key}`" in declared


def test_children_s_data_are_flagged_sensitive_and_never_list_a_password(english):
    record = _record(english)
    participant = record[record.index("(`maillage_groups.participant`)") :]
    participant = participant[: participant.index("\n\n####")]
    assert "**Sensitive data**" in participant and "art. 9" in participant
    assert "Children and adolescents" in participant
    account = record[record.index("(`auth.user`)") :]
    assert "password" not in account[: account.index("\n\n#")]


def test_the_dpia_has_the_authority_s_sections_pre_filled(english):
    dpia = _dpia(english)
    for number in range(1, 6):
        assert f"\n## {number}. " in dpia
    risks = _part(dpia, "3. Risks to the rights and freedoms of data subjects")
    assert "children who are victims or witnesses" in risks
    assert "`maillage_groups.participant`" in risks and "`maillage_groups.consent`" in risks
    assert risks.count("\n| ") == len(RISKS) + 1
    retention = dpia[dpia.index("### 1.4") : dpia.index("### 1.5")]
    assert "`groups.purge_identities`" in retention
    automatic = len(privacy.registry.automatic())
    assert f"{automatic} of the {len(privacy.registered())} categories" in dpia


def test_every_table_row_has_as_many_cells_as_its_header(english):
    widths = []
    for line in english.splitlines():
        if line.startswith("|"):
            widths.append(len(re.findall(r"(?<!\\)\|", line)))
        elif widths:
            assert len(set(widths)) == 1, widths
            widths = []


def test_it_is_written_in_french_by_default():
    text = _run()
    assert "`maillage_groups.participant`" in text
    assert "### Groupes de parole" in text  # the app's French name
    assert "### Support groups" not in text


def test_output_writes_the_two_documents(tmp_path):
    out = StringIO()
    call_command("privacy_register", "--output", str(tmp_path / "dpo"), stdout=out)
    record = (tmp_path / "dpo" / RECORD_FILENAME).read_text(encoding="utf-8")
    dpia = (tmp_path / "dpo" / DPIA_FILENAME).read_text(encoding="utf-8")
    assert record.startswith("# ") and dpia.startswith("# ")
    assert "`maillage_network.erasurelog`" in record
    assert str(tmp_path / "dpo" / RECORD_FILENAME) in out.getvalue()
    assert _run() == record + "\n\n" + dpia


def test_an_unwritable_output_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CommandError, match="file"):
        call_command("privacy_register", "--output", str(blocker / "dpo"), stdout=StringIO())
