"""Review of the enrolments import (issue 8): regressions found by a fresh reading."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from lms.models import CourseRun, Enrolment, EnrolmentStatus
from network import imports
from network.tabular import read_table

pytestmark = pytest.mark.django_db

User = get_user_model()
RUN = "PR-VEP-2026-01"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_reimporting_a_list_after_people_completed_the_run_changes_nothing(demo_data):
    run = CourseRun.objects.get(code=RUN)
    CourseRun.objects.filter(pk=run.pk).update(capacity=run.seats_taken + 1)
    person = (
        User.objects.filter(member_profile__isnull=False)
        .exclude(enrolments__run=run)
        .exclude(email="")
        .order_by("pk")
        .first()
    )
    text = f"Code formation;E-mail;Statut\n{RUN};{person.email};confirmé\n"
    first = imports.run_import(
        "enrolments", read_table(text.encode(), "i.csv"), None, dry_run=False
    )
    assert first.written and first.new == 1
    Enrolment.objects.filter(run=run, person=person).update(status=EnrolmentStatus.COMPLETED)

    again = imports.run_import(
        "enrolments", read_table(text.encode(), "i.csv"), None, dry_run=False
    )
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 1, "error": 0}
    assert Enrolment.objects.get(run=run, person=person).status == EnrolmentStatus.COMPLETED
