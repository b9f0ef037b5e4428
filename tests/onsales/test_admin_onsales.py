"""The on-sales' admin: programme staff pick shows, or a movie's shows over days (its opening weekend)."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts.roles import PROGRAMME
from onsales.models import OnSale
from tests.factories import ShowFactory, UserFactory


def _form(**fields):
    base = {"name": "Opening weekend", "opens_at_0": "2030-12-01", "opens_at_1": "10:00:00", "admit_per_minute": "100",
            "pass_minutes": "15", "enabled": "on", "closes_at_0": "", "closes_at_1": ""}
    return {**base, **fields}


@pytest.mark.django_db
def test_programme_staff_add_a_movies_opening_weekend_in_the_admin(movie):
    staff = UserFactory(is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/onsales/onsale/add/").status_code == 403  # staff without the programme role
    staff.groups.add(Group.objects.get_or_create(name=PROGRAMME)[0])
    friday = (timezone.now() + timedelta(days=10)).replace(hour=18, minute=0, second=0, microsecond=0)
    weekend = [ShowFactory(movie=movie, date_time=friday + timedelta(days=d)) for d in range(3)]
    ShowFactory(movie=movie, date_time=friday + timedelta(days=4))
    response = client.post("/admin/onsales/onsale/add/", _form(
        movie=movie.pk, first_day=f"{friday:%Y-%m-%d}", last_day=f"{friday + timedelta(days=2):%Y-%m-%d}"))
    assert response.status_code == 302, response.content.decode()[:2000]
    onsale = OnSale.objects.get()
    assert sorted(onsale.shows.values_list("pk", flat=True)) == [s.pk for s in weekend]
    # The same shows in a second enabled on-sale: refused, saying which.
    again = client.post("/admin/onsales/onsale/add/", _form(shows=[weekend[0].pk]))
    assert again.status_code == 200 and "already in another enabled on-sale" in again.content.decode()
    assert OnSale.objects.count() == 1
