"""The public programme pages (/groupes-de-parole/): where support groups exist by commune
and month, for whom, and whom to contact; never a venue, a day, a time or a facilitator."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import formats

from groups.models import CycleStatus
from network import roles
from sessions.models import StaffRole, Venue

from . import factories as f

pytestmark = pytest.mark.django_db

LIST = "/groupes-de-parole/"
WEEKDAYS = (
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


def main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")].lower()


def panel(response, programme) -> str:
    """The part of the page about one programme (the demo has its own)."""
    text = main(response)
    start = text.index(f'data-programme="{programme.pk}"')
    end = text.find("data-programme=", start + 20)
    return text[start : end if end != -1 else len(text)]


def month(day: dt.date) -> str:
    return formats.date_format(day, "F Y").lower()


@pytest.fixture
def offer(demo_data):
    """A programme with a running cycle in Esneux (Wednesdays at 16:15 in a secret venue,
    over two months) and a planned one in Trooz; a closed cycle in Sprimont."""
    programme = f.programme(
        name="Groupe Papillons",
        age_min=6,
        age_max=11,
        public_description="Un groupe pour dire ce qui est difficile à dire.",
        contact="Service d'aide aux victimes, 04 000 00 00",
    )
    venue = Venue.objects.create(
        name="Maison Confidentielle",
        address="Rue Introuvable 9",
        commune=f.commune("Esneux"),
        confidential_address=True,
    )
    start = f.quiet_month()
    days = f.wednesdays(start, 2) + f.wednesdays(start + relativedelta(months=1), 2)
    esneux = f.cycle(
        days, of=programme, status=CycleStatus.RUNNING, venue=venue, at=dt.time(16, 15)
    )
    facilitator = f.member("public-facilitator", roles.FACILITATOR)
    f.assign(f.meetings(esneux)[0], facilitator, StaffRole.LEAD)
    f.cycle(
        f.wednesdays(start + relativedelta(months=2), 1),
        of=programme,
        commune_name="Trooz",
        status=CycleStatus.PLANNING,
        at=dt.time(9, 45),
    )
    sprimont = f.cycle(
        f.wednesdays(start, 1), of=programme, commune_name="Sprimont", status=CycleStatus.CLOSED
    )
    return {
        "programme": programme,
        "esneux": esneux,
        "sprimont": sprimont,
        "venue": venue,
        "start": start,
        "facilitator": facilitator,
    }


@pytest.mark.parametrize("page", ["list", "detail"])
def test_communes_and_months_are_public_never_a_venue_day_or_time(client, offer, page):
    url = LIST if page == "list" else reverse("groups:programme", args=[offer["programme"].pk])
    response = client.get(url)
    assert response.status_code == 200
    text = panel(response, offer["programme"])
    assert "groupe papillons" in text
    assert "service d'aide aux victimes, 04 000 00 00" in text.replace("&#x27;", "'")
    assert "esneux" in text and "trooz" in text
    # The period, by month: Esneux over two months, Trooz in the third.
    start = offer["start"]
    assert formats.date_format(start, "F").lower() in text
    assert month(start + relativedelta(months=1)) in text
    assert month(start + relativedelta(months=2)) in text
    # Never a venue, a day of the week, a time, a facilitator, the cycle's internal name.
    for secret in (
        "maison confidentielle",
        "rue introuvable",
        "16:15",
        "16h15",
        "09:45",
        "9h45",
        "public-facilitator",
        offer["esneux"].name.lower(),
        *WEEKDAYS,
    ):
        assert secret not in text, secret
    for day in f.meetings(offer["esneux"]):
        assert f"{day.start:%d/%m}" not in text
    assert "sprimont" not in text  # closed


def test_the_list_is_public_and_links_to_each_programme(client, offer):
    response = client.get(LIST)
    assert f'href="{reverse("groups:programme", args=[offer["programme"].pk])}"' in (
        response.content.decode()
    )
    assert "private" not in response.get("Cache-Control", "")


def test_an_inactive_programme_is_neither_listed_nor_shown(client, offer):
    programme = offer["programme"]
    programme.active = False
    programme.save()
    assert "papillons" not in main(client.get(LIST))
    assert client.get(reverse("groups:programme", args=[programme.pk])).status_code == 404
    assert client.get("/groupes-de-parole/99999999999999999999/").status_code == 404


def test_period_labels_say_months_only():
    from groups.views import period_label

    january, march = dt.date(2027, 1, 13), dt.date(2027, 3, 24)
    assert "2027" in period_label(january, march)
    assert "13" not in period_label(january, march) and "24" not in period_label(january, march)
    assert period_label(january, january).count("2027") == 1
    assert period_label(dt.date(2026, 11, 4), march).count("202") == 2


@pytest.mark.parametrize("programmes", [1, 3])
def test_the_query_count_does_not_grow_with_the_programmes(
    client, demo_data, programmes, django_assert_num_queries
):
    for n in range(programmes):
        programme = f.programme(name=f"Programme public {n}")
        f.cycle(f.wednesdays(f.quiet_month(), 2), of=programme, status=CycleStatus.OPEN)
    client.get(LIST)  # warm the site's caches
    with django_assert_num_queries(4):  # site, network settings, programmes, cycles
        client.get(LIST)
