"""Who holds a valid certificate for a module on a date: one query for a whole roster, the same
answers as asking pair by pair; external certificates count, revoked and replaced ones do not,
and a certificate is valid up to its last day included."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine

from certificates import qualifications, services
from certificates.models import Certificate, State

from .factories import module, pros, template, user

pytestmark = pytest.mark.django_db
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
START = dt.date(2024, 1, 8)


def _issue(the_template, person, day: dt.date) -> Certificate:
    """A certificate of the template's module issued on `day` (no run: issued by hand)."""
    achieved = services.Achieved(the_template, None, None, Decimal("6"), day)
    with time_machine.travel(dt.datetime.combine(day, dt.time(10), BRUSSELS), tick=False):
        return services.issue(achieved, person, actor=user("coordination"), notify=False)


@pytest.fixture
def roster(demo_data):
    """Two modules and 25 people in every situation, over two and a half years."""
    first, second = module(title="Animer un groupe d'enfants"), module(title="Sécurité")
    first_template, second_template = template(first, months=12), template(second)
    coordination = user("coordination")
    people = pros(25)
    for number, person in enumerate(people):
        day = START + dt.timedelta(days=29 * number)
        case = number % 7
        if case == 1:  # valid for a year
            _issue(first_template, person, day)
        elif case == 2:  # revoked: qualifies nobody
            services.revoke(_issue(first_template, person, day), actor=coordination, reason="x")
        elif case == 3:  # replaced: its successor qualifies, for the same window
            services.reissue(_issue(first_template, person, day), actor=coordination)
        elif case == 4:  # external, with an end, then one ending with the template's validity
            services.record_external(
                holder=person,
                module=first,
                title="",
                issuer_name="Centre de formation de Liège",
                issued_on=day,
                hours=Decimal("6"),
                valid_until=day + dt.timedelta(days=90),
            )
            services.record_external(
                holder=person,
                module=first,
                title="",
                issuer_name="Centre de formation de Liège",
                issued_on=day + dt.timedelta(days=300),
                hours=Decimal("6"),
            )
        elif case == 5:  # two windows with a gap between them
            _issue(first_template, person, day)
            services.record_external(
                holder=person,
                module=first,
                title="",
                issuer_name="Pôle Ressources",
                issued_on=day + dt.timedelta(days=500),
                hours=Decimal("6"),
                valid_until=day + dt.timedelta(days=700),
            )
        elif case == 6:  # the other module only, without end
            _issue(second_template, person, day)
        # case 0: nothing
    return people, [first.pk, second.pk]


def _naive(person_id: int, module_id: int, day: dt.date, by_pair) -> bool:
    """Pair by pair, from each certificate's own state on that day."""
    return any(c.state(day) == State.VALID for c in by_pair.get((person_id, module_id), []))


@pytest.mark.parametrize(("people_count", "dates_count"), [(5, 20), (25, 200)])
def test_a_roster_is_answered_in_one_query_with_the_naive_answers(
    roster, django_assert_num_queries, people_count, dates_count
):
    people, module_ids = roster
    person_ids = [p.pk for p in people[:people_count]]
    dates = [START + dt.timedelta(days=4 * n) for n in range(dates_count)]  # to early 2026

    with django_assert_num_queries(1):
        found = qualifications.load(person_ids, module_ids)
    with django_assert_num_queries(0):
        answers = {
            (p, m, d): found.holds(p, m, d) for p in person_ids for m in module_ids for d in dates
        }

    by_pair: dict = {}
    for certificate in Certificate.objects.filter(
        holder_id__in=person_ids, module_id__in=module_ids
    ):
        by_pair.setdefault((certificate.holder_id, certificate.module_id), []).append(certificate)
    expected = {key: _naive(*key, by_pair) for key in answers}
    assert answers == expected
    # Both answers occur, and the query-per-pair helpers agree on a sample.
    assert any(answers.values()) and not all(answers.values())
    for key in list(answers)[:: max(1, len(answers) // 60)]:
        person_id, module_id, day = key
        assert qualifications.is_qualified(person_id, module_id, day) is answers[key], key
        assert (person_id in qualifications.holders(module_id, day)) is answers[key], key


def test_the_query_does_not_grow_with_people_modules_or_dates(roster, django_assert_num_queries):
    people, module_ids = roster
    with django_assert_num_queries(1):
        everybody = qualifications.load(None, module_ids)
    with django_assert_num_queries(1):
        some = qualifications.load([people[1].pk], module_ids[:1])
    with django_assert_num_queries(0):
        day = START + dt.timedelta(days=29 + 10)
        assert everybody.holds(people[1].pk, module_ids[0], day)
        assert some.qualified(people[1].pk, module_ids[:1], day)
        assert everybody.missing(people[1].pk, module_ids, day) == [module_ids[1]]


def test_external_certificates_count_and_revoked_or_replaced_ones_do_not(roster):
    people, (first, _second) = roster
    found = qualifications.load([p.pk for p in people], [first])

    external = people[4]
    day = START + dt.timedelta(days=29 * 4)
    assert found.holds(external.pk, first, day + dt.timedelta(days=90))
    assert not found.holds(external.pk, first, day + dt.timedelta(days=91))
    assert found.holds(external.pk, first, day + dt.timedelta(days=300))
    second = day + dt.timedelta(days=300)
    assert found.valid_until(external.pk, first, second) == dt.date(
        second.year + 1, second.month, second.day
    )

    revoked = people[2]
    (revoked_certificate,) = Certificate.objects.filter(holder=revoked, module_id=first)
    assert revoked_certificate.state() == State.REVOKED
    assert found.windows(revoked.pk, first) == []
    assert not found.holds(revoked.pk, first, revoked_certificate.valid_from)

    replaced = people[3]
    old, new = Certificate.objects.filter(holder=replaced, module_id=first).order_by("pk")
    assert old.superseded_by_id == new.pk
    (window,) = found.windows(replaced.pk, first)
    assert window.certificate_id == new.pk  # only the successor
    assert found.holds(replaced.pk, first, old.valid_from)


def test_a_certificate_qualifies_from_its_first_to_its_last_day_included(roster):
    people, (first, _second) = roster
    person = people[1]
    certificate = Certificate.objects.get(holder=person, module_id=first)
    start, end = certificate.valid_from, certificate.valid_until
    found = qualifications.load([person.pk], [first])

    assert not found.holds(person.pk, first, start - dt.timedelta(days=1))
    assert found.holds(person.pk, first, start)
    assert found.holds(person.pk, first, end)
    assert not found.holds(person.pk, first, end + dt.timedelta(days=1))
    assert found.valid_until(person.pk, first, start) == end
    assert qualifications.is_qualified(person, first, end)
    assert not qualifications.is_qualified(person, first, end + dt.timedelta(days=1))
    # The gap between two certificates, and where the next one starts.
    gapped = people[5]
    found = qualifications.load([gapped.pk], [first])
    issued = Certificate.objects.get(holder=gapped, module_id=first, kind="issued")
    in_gap = issued.valid_until + dt.timedelta(days=1)
    assert not found.holds(gapped.pk, first, in_gap)
    assert found.next_start(gapped.pk, first, in_gap) == issued.valid_from + dt.timedelta(days=500)


def test_an_erased_holder_qualifies_nobody(roster):
    from network.privacy_services import erase_person

    people, (first, _second) = roster
    person = people[1]
    certificate = Certificate.objects.get(holder=person, module_id=first)
    erase_person(person)
    assert person.pk not in qualifications.holders(first, certificate.valid_from)
    assert qualifications.load(None, [first]).windows(person.pk, first) == []
