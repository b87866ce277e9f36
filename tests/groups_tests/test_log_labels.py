"""Wagtail's log entries never carry a child's code or alias as their label."""

import pytest
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from groups.models import Participant

from . import factories

pytestmark = pytest.mark.django_db


def test_a_child_s_log_entry_is_labelled_by_kind_and_row_only():
    child = Participant.objects.create(
        alias="Zébulon", birth_year=2017, referral_source="school", commune=factories.commune()
    )
    log(instance=child, action="wagtail.create")
    entry = ModelLogEntry.objects.get(object_id=str(child.pk), action="wagtail.create")
    assert child.code not in entry.label and "Zébulon" not in entry.label
    assert entry.label.endswith(f"#{child.pk}")
