"""Review of the certificates import (issue 8): regressions found by a fresh reading."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from network import imports
from network.tabular import read_table

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_a_huge_number_of_hours_is_an_error_row_not_a_crash(demo_data):
    email = User.objects.get(username="professionnelle").email
    text = (
        "E-mail;Émetteur;Date de délivrance;Heures;Intitulé\n"
        f"{email};Croix-Rouge;02/03/2023;{'9' * 40};Premiers secours\n"
    )
    report = imports.run_import(
        "certificates", read_table(text.encode(), "a.csv"), None, dry_run=True
    )
    assert report.errors == 1
    assert report.error_rows[0].errors[0].column == "Heures"
