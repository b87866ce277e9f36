"""Who may enrol: prerequisites, the enrolment window, the audience, no duplicates.

Each refusal is a French message, the same before the click (preview) and after (enrol).
"""

import datetime as dt

import pytest
from django.utils import timezone, translation

from lms import services
from lms.exceptions import (
    AlreadyEnrolled,
    AlreadyInModule,
    MissingPrerequisites,
    NotInAudience,
    WindowClosed,
    WindowNotOpen,
)
from lms.models import Enrolment, EnrolmentStatus
from network.models import MemberProfile

from .factories import commune, module, pros, run

pytestmark = pytest.mark.django_db


def _refusal(person, the_run, error):
    with translation.override("fr"), pytest.raises(error) as caught:
        services.enrol(person, the_run)
    assert not Enrolment.objects.filter(run=the_run, person=person).exists()
    text = str(caught.value.message)
    with translation.override("fr"):
        assert text and text == services.preview(person, the_run).refusal
    return text


def test_a_missing_prerequisite_is_refused_until_completed(demo_data):
    basics = module("Les bases")
    advanced = module("Approfondissement", prerequisites=[basics])
    (person,) = pros(1)
    the_run = run(advanced)
    with translation.override("fr"):
        text = _refusal(person, the_run, MissingPrerequisites)
    assert text == "Terminez d'abord ces modules : « Les bases »."

    earlier = run(basics)
    Enrolment.objects.create(run=earlier, person=person, status=EnrolmentStatus.COMPLETED)
    assert services.enrol(person, the_run).status == EnrolmentStatus.CONFIRMED


def test_enrolment_before_the_window_opens_is_refused_with_the_opening_date(demo_data):
    opens = timezone.now() + dt.timedelta(days=3)
    the_run = run(enrolment_opens=opens)
    (person,) = pros(1)
    text = _refusal(person, the_run, WindowNotOpen)
    assert text == (
        f"Les inscriptions à cette session de formation ouvrent le "
        f"{timezone.localtime(opens):%d/%m/%Y %H:%M}."
    )


def test_enrolment_after_the_window_closed_is_refused(demo_data):
    the_run = run(enrolment_closes=timezone.now() - dt.timedelta(hours=1))
    (person,) = pros(1)
    assert (
        _refusal(person, the_run, WindowClosed)
        == "Les inscriptions à cette session de formation sont clôturées."
    )


def test_enrolment_outside_the_audience_is_refused(demo_data):
    trooz = commune("Trooz")
    the_run = run()
    the_run.audience_communes.set([trooz])
    professionals = MemberProfile.objects.filter(user__username__startswith="pro-")
    outsider = professionals.exclude(organisation__communes=trooz).first().user
    insider = professionals.filter(organisation__communes=trooz).first().user
    text = _refusal(outsider, the_run, NotInAudience)
    assert text.startswith("Cette session de formation est réservée aux organisations de Trooz")
    assert services.enrol(insider, the_run).status == EnrolmentStatus.CONFIRMED


def test_enrolling_twice_is_refused(demo_data):
    the_run = run()
    (person,) = pros(1)
    services.enrol(person, the_run)
    text = _refusal_again(person, the_run)
    assert text == "Vous êtes déjà inscrit·e à cette session de formation."
    assert Enrolment.objects.filter(run=the_run, person=person).count() == 1


def test_enrolling_in_a_second_run_of_the_same_module_is_refused(demo_data):
    the_run = run()
    other = run(the_run.module, days=[the_run.starts_at.date() + dt.timedelta(days=7)])
    (person,) = pros(1)
    services.enrol(person, the_run)
    with translation.override("fr"), pytest.raises(AlreadyInModule) as caught:
        services.enrol(person, other)
    assert the_run.code in str(caught.value.message)


def _refusal_again(person, the_run):
    with translation.override("fr"), pytest.raises(AlreadyEnrolled) as caught:
        services.enrol(person, the_run)
    return str(caught.value.message)
