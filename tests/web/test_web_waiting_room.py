"""The waiting room's pages: a gated show's seat map sends visitors to the queue; the queue page joins once,
survives a reload and a second tab, polls its place as JSON, and sets the pass cookie at the visitor's turn."""
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import Hold
from onsales import services
from tests.onsales.conftest import onsale_redis  # noqa: F401 -- a fixture


@pytest.fixture
def open_onsale(onsale_redis, auditorium_show):  # noqa: F811
    """Opened a moment ago, one visitor per minute: the first visitor is admitted at once, the next in a minute."""
    return services.onsale_create(shows=[auditorium_show.pk], opens_at=timezone.now() - timedelta(seconds=2),
                                  admit_per_minute=1, pass_minutes=10)


@pytest.mark.django_db
def test_the_seat_map_of_a_gated_show_sends_visitors_to_the_queue(open_onsale, auditorium_show, user_client):
    show_url = reverse("web:show", args=[auditorium_show.pk])
    room = reverse("web:waiting_room", args=[open_onsale.pk])
    for client in (Client(), user_client):
        response = client.get(show_url)
        assert response.status_code == 302 and response["Location"] == f"{room}?next={show_url.replace('/', '%2F')}"
    # Anonymous visitors sign in first, then queue.
    assert Client().get(room)["Location"].startswith(reverse("web:login"))


@pytest.mark.django_db
def test_the_first_in_line_gets_the_pass_cookie_and_holds_seats(open_onsale, auditorium_show, user_client, user,
                                                                other_user):
    show_url = reverse("web:show", args=[auditorium_show.pk])
    room = reverse("web:waiting_room", args=[open_onsale.pk])
    response = user_client.get(room, {"next": show_url})
    assert response.status_code == 302 and response["Location"] == show_url
    cookie = response.cookies[f"queue_pass_{open_onsale.pk}"]
    assert cookie["httponly"] and cookie.value
    assert user_client.get(show_url).status_code == 200
    held = user_client.post(reverse("web:hold", args=[auditorium_show.pk]), {"seat": ["4"]})
    assert held.status_code == 302 and Hold.objects.filter(user=user).exists()
    # Someone else, without a pass (or with this cookie copied into their browser), is sent to the queue.
    other = Client()
    other.force_login(other_user)
    other.cookies[f"queue_pass_{open_onsale.pk}"] = cookie.value
    refused = other.post(reverse("web:hold", args=[auditorium_show.pk]), {"seat": ["5"]})
    assert refused.status_code == 302 and refused["Location"].startswith(room)
    assert not Hold.objects.filter(user=other_user).exists()


@pytest.mark.django_db
def test_the_second_in_line_waits_and_keeps_the_place_in_a_second_tab(open_onsale, user_client, other_user):
    services.queue_join(onsale=open_onsale, user=other_user)  # first in line
    room = reverse("web:waiting_room", args=[open_onsale.pk])
    page = user_client.get(room)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-status="waiting"' in html and 'data-position="1"' in html
    assert f"queue_pass_{open_onsale.pk}" not in page.cookies
    second_tab = user_client.get(room)
    assert (second_tab.context["queue"].status, second_tab.context["queue"].position) == ("waiting", 1)
    status = user_client.get(reverse("web:waiting_room_status", args=[open_onsale.pk]))
    body = status.json()
    assert status["Cache-Control"] == "no-store"
    assert body["status"] == "waiting" and body["position"] == 1 and body["opened"] is True
    assert 50 <= body["estimated_wait_seconds"] <= 60


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "text"), [("en", "Waiting room"), ("es", "Sala de espera"),
                                                 ("hi", "प्रतीक्षा कक्ष")])
def test_before_the_opening_the_page_counts_down_in_the_visitors_language(onsale_redis, auditorium_show,  # noqa: F811
                                                                          user_client, language, text):
    onsale = services.onsale_create(shows=[auditorium_show.pk], opens_at=timezone.now() + timedelta(minutes=30),
                                    admit_per_minute=10, pass_minutes=10)
    page = user_client.get(reverse("web:waiting_room", args=[onsale.pk]), HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    assert page.status_code == 200 and text in html
    assert 'data-opened="0"' in html and "<script>" not in html and "style=" not in html
    status = user_client.get(reverse("web:waiting_room_status", args=[onsale.pk])).json()
    assert status["position"] is None and status["opened"] is False and 1790 <= status["estimated_wait_seconds"] <= 1800
