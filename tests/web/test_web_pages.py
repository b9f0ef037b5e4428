"""The moviegoer's pages through Django's test client: what they show, and that they go through the services."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.errors import SeatsUnavailable
from core.models import Booking, Hold
from core.services import holds
from orders.models import Order
from orders.services import order_mark_paid
from tests.factories import (
    PASSWORD,
    BookingFactory,
    CinemaFactory,
    MovieFactory,
    ScreenFactory,
    ShowFactory,
    UserFactory,
)
from tests.web_fixtures import AUDITORIUM, laid_out_show

pytestmark = pytest.mark.django_db


def test_whats_on_lists_movies_with_upcoming_shows_only(client):
    showing = MovieFactory(title="Dune")
    ShowFactory(movie=showing, date_time=timezone.now() + timedelta(days=1))
    past = MovieFactory(title="Yesterday's film")
    ShowFactory(movie=past, date_time=timezone.now() - timedelta(hours=3))
    cancelled = laid_out_show(movie=MovieFactory(title="Cancelled film"))
    cancelled.status = "cancelled"
    cancelled.save(update_fields=["status"])
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Dune" in html and "Yesterday&#x27;s film" not in html and "Cancelled film" not in html
    assert 'href="/films/%d/"' % showing.pk in html


def test_whats_on_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(8):
        ShowFactory()
    # The shows with movie, cinema and availability; the posters; the cinemas.
    with django_assert_max_num_queries(3):
        assert client.get("/").status_code == 200


def test_movie_page_groups_upcoming_shows_by_day_and_cinema_with_prices_from(client, movie):
    # Noon UTC is the same calendar day in Paris and in Lisbon.
    tomorrow = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1)
    paris = ScreenFactory(layout=AUDITORIUM, cinema=CinemaFactory(name="Paris Opéra", time_zone="Europe/Paris"))
    lisbon = ScreenFactory(layout=AUDITORIUM, cinema=CinemaFactory(name="Lisboa", city="Lisbon",
                                                                   time_zone="Europe/Lisbon"))
    laid_out_show(movie=movie, screen=paris, when=tomorrow)
    laid_out_show(movie=movie, screen=paris, when=tomorrow + timedelta(hours=4))
    laid_out_show(movie=movie, screen=lisbon, when=tomorrow)
    laid_out_show(movie=movie, screen=paris, when=tomorrow + timedelta(days=2))
    page = client.get(reverse("web:movie", args=[movie.pk]))
    assert page.status_code == 200
    assert [(g["cinema"], len(g["shows"])) for g in page.context["groups"]] == [
        ("Lisboa", 1), ("Paris Opéra", 2), ("Paris Opéra", 1)]
    html = page.content.decode()
    # "From" is a standard seat's price, never the companion seat's €6.00 (core.selectors.from_price).
    assert "from €12.50" in html and "€6.00" not in html
    assert "1:00\u202fPM" in html  # Paris local time of 12:00 UTC (winter), as CLDR writes it in English


def test_whats_on_filters_by_city_cinema_date_and_language(client):
    paris = ScreenFactory(layout=AUDITORIUM, cinema=CinemaFactory(city="Paris"))
    lyon = ScreenFactory(layout=AUDITORIUM, cinema=CinemaFactory(city="Lyon"))
    # Both shows start at the same moment, on the same local day (both cinemas are in Paris's time zone).
    when = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1)
    amelie = laid_out_show(movie=MovieFactory(title="Amélie"), screen=paris, when=when)
    laid_out_show(movie=MovieFactory(title="La Haine"), screen=lyon, when=when)
    assert [m["movie"].title for m in client.get("/?city=lyon").context["movies"]] == ["La Haine"]
    assert [m["movie"].title for m in client.get(f"/?cinema={paris.cinema_id}").context["movies"]] == ["Amélie"]
    # The filter is by the cinema's local date (between 23:00 and 24:00 UTC, Paris is already on the next day).
    day = amelie.local_date_time().date()
    assert len(client.get(f"/?date={day}").context["movies"]) == 2
    assert client.get(f"/?date={day + timedelta(days=5)}").context["movies"] == []
    bad = client.get("/?date=tomorrow")
    assert bad.status_code == 200 and "date" in bad.context["errors"] and len(bad.context["movies"]) == 2


def test_unknown_movie_and_show_are_html_404s(client):
    assert client.get("/films/999999/").status_code == 404
    response = client.get("/showings/999999/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_show_page_draws_every_seat_as_a_button_named_with_row_seat_category_and_state(client, auditorium_show,
                                                                                        other_user):
    BookingFactory(show=auditorium_show, seat_number=2, user=other_user)
    holds.hold_create(user=other_user, show_id=auditorium_show.pk, seat_numbers=[3])
    html = client.get(reverse("web:show", args=[auditorium_show.pk])).content.decode()
    assert html.count('class="seat ') == auditorium_show.total_seats == 60
    assert 'aria-label="Row A, seat 1, standard, €12.50, available"' in html
    assert 'aria-label="Row A, seat 2, standard, €12.50, sold"' in html
    assert 'aria-label="Row A, seat 3, standard, €12.50, held by someone"' in html
    assert 'aria-label="Row F, seat 1, wheelchair space, €12.50, available"' in html
    assert 'aria-label="Row F, seat 2, companion seat, €6.00, available"' in html
    assert 'aria-label="Row F, seat 6, premium, €18.00, available"' in html
    assert html.count('class="gap"') == 6  # the centre aisle of each row
    # Taken seats stay reachable (so their state can be heard) but cannot be chosen.
    assert html.count('aria-disabled="true"') == 2
    assert "58 seats free" in html
    assert "premium €18.00" in html  # the legend's prices


def test_seat_state_answers_304_to_a_current_etag_without_touching_the_database(
        client, auditorium_show, other_user, django_assert_num_queries, settings):
    settings.SEAT_STATE_MAX_AGE_MS = 60_000
    url = reverse("web:seat_state", args=[auditorium_show.pk])
    first = client.get(url)
    assert first.status_code == 200
    assert first.json() == {"show_id": auditorium_show.pk, "available_seats": 60, "booked": [], "held": [],
                            "blocked": []}
    etag = first["ETag"]
    with django_assert_num_queries(0):
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""


def test_seat_state_changes_after_at_most_its_max_age(client, auditorium_show, other_user, settings):
    settings.SEAT_STATE_MAX_AGE_MS = 0
    url = reverse("web:seat_state", args=[auditorium_show.pk])
    etag = client.get(url)["ETag"]
    holds.hold_create(user=other_user, show_id=auditorium_show.pk, seat_numbers=[7])
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["held"] == [7]


def test_seat_state_of_unknown_show_is_json_404(client):
    response = client.get("/seat-state/999999")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_hold_checkout_and_pay_at_the_box_office_through_the_pages(user_client, user, auditorium_show, staff_user):
    cache.clear()
    response = user_client.post(reverse("web:hold", args=[auditorium_show.pk]), {"seat": ["5", "4"]})
    hold = Hold.objects.get(user=user)
    assert response.status_code == 302 and response["Location"] == reverse("web:checkout", args=[hold.pk])
    assert hold.seat_numbers == [4, 5]
    checkout = user_client.get(response["Location"])
    html = checkout.content.decode()
    assert "A4, A5" in html and 'id="countdown"' in html
    assert '<td id="total">€25.00</td>' in html
    assert int(checkout.context["hold"].expires_at.timestamp()) > int(timezone.now().timestamp())
    # No Stripe key here (SQLite, as `make run`): the card is not offered, and the page says why.
    assert 'value="stripe"' not in html and 'id="card-unavailable"' in html
    paid = user_client.post(reverse("web:pay", args=[hold.pk]), {"payment_method": "box_office"})
    order = Order.objects.get(user=user)
    assert paid.status_code == 302 and paid["Location"] == reverse("web:order", args=[order.pk])
    assert order.status == "pending" and order.payment_method == "box_office" and order.total == Decimal("25.00")
    page = user_client.get(paid["Location"]).content.decode()
    assert f"give your order number, {order.pk}" in page
    tickets = user_client.get(reverse("web:my_tickets")).content.decode()
    assert "waiting for payment" in tickets and "at the box office before" in tickets
    assert 'class="qr"' not in tickets  # no tickets before the payment

    order_mark_paid(order_id=order.pk, staff_user=staff_user)  # the box office takes the money
    tickets = user_client.get(reverse("web:my_tickets")).content.decode()
    assert sorted(Booking.objects.filter(user=user, status="booked").values_list("seat_number", flat=True)) == [4, 5]
    assert "Seat A4" in tickets and "Seat A5" in tickets and "€12.50" in tickets
    assert tickets.count('class="qr" src="data:image/svg+xml') == 2
    assert reverse("web:order_tickets_pdf", args=[order.pk]) in tickets


def test_a_seat_someone_else_holds_is_refused_with_the_services_message(user_client, auditorium_show, other_user):
    holds.hold_create(user=other_user, show_id=auditorium_show.pk, seat_numbers=[9])
    response = user_client.post(reverse("web:hold", args=[auditorium_show.pk]), {"seat": ["8", "9"]}, follow=True)
    assert str(SeatsUnavailable.message) + " (A9)" in response.content.decode()
    assert not Hold.objects.filter(user__in=[response.context["user"]]).exists()


def test_release_frees_the_seats_and_returns_to_the_map(user_client, user, auditorium_show):
    hold = holds.hold_create(user=user, show_id=auditorium_show.pk, seat_numbers=[1])
    response = user_client.post(reverse("web:release", args=[hold.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("web:show", args=[auditorium_show.pk])
    assert not Hold.objects.filter(pk=hold.pk).exists()


def test_an_expired_hold_cannot_be_checked_out(user_client, user, auditorium_show):
    hold = holds.hold_create(user=user, show_id=auditorium_show.pk, seat_numbers=[1],
                             now=timezone.now() - timedelta(hours=1))
    response = user_client.get(reverse("web:checkout", args=[hold.pk]), follow=True)
    assert "This hold has expired or was released" in response.content.decode()


def test_someone_elses_hold_is_not_shown_or_ordered(user_client, auditorium_show, other_user):
    hold = holds.hold_create(user=other_user, show_id=auditorium_show.pk, seat_numbers=[1])
    assert user_client.get(reverse("web:checkout", args=[hold.pk])).status_code == 302
    response = user_client.post(reverse("web:pay", args=[hold.pk]), {"payment_method": "box_office"}, follow=True)
    assert "This hold has expired or was released" in response.content.decode()
    assert not Order.objects.exists() and not Booking.objects.exists()


def test_cancel_from_my_tickets(user_client, user, auditorium_show):
    booking = BookingFactory(user=user, show=auditorium_show, seat_number=3)
    user_client.post(reverse("web:cancel_booking", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_pages_that_change_things_need_a_login(client, auditorium_show):
    response = client.post(reverse("web:hold", args=[auditorium_show.pk]), {"seat": ["1"]})
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))
    assert client.get(reverse("web:my_tickets")).status_code == 302
    assert not Hold.objects.exists()


def test_forms_are_csrf_protected(user, auditorium_show):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("web:hold", args=[auditorium_show.pk]), {"seat": ["1"]}).status_code == 403
    assert not Hold.objects.exists()


def test_signup_uses_the_apis_rules_and_logs_in(client):
    weak = client.post(reverse("web:signup"), {"username": "zoe", "email": "zoe@example.com", "password": "123"})
    assert weak.status_code == 400 and "password" in weak.context["errors"]
    response = client.post(reverse("web:signup"), {"username": "zoe", "email": "zoe@example.com",
                                                   "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("web:my_tickets")).status_code == 200
    taken = Client().post(reverse("web:signup"), {"username": "zoe", "email": "zoe2@example.com",
                                                  "password": PASSWORD})
    assert taken.status_code == 400 and taken.context["errors"]["username"]


def test_login_and_logout(client, user):
    response = client.post(reverse("web:login"), {"username": user.username, "password": PASSWORD,
                                                  "next": "/my-tickets/"})
    assert response.status_code == 302 and response["Location"] == "/my-tickets/"
    assert client.get("/my-tickets/").status_code == 200
    client.post(reverse("web:logout"))
    assert client.get("/my-tickets/").status_code == 302


def test_login_next_cannot_point_elsewhere(client, user):
    response = client.post(reverse("web:login"), {"username": user.username, "password": PASSWORD,
                                                  "next": "https://evil.example/"})
    assert response["Location"] == reverse("web:whats_on")


def test_web_login_counts_against_the_apis_login_limit(client, rates):
    rates("login_username", "3/min")
    UserFactory(username="victim")
    statuses = [client.post(reverse("web:login"), {"username": "victim", "password": "wrong"}).status_code
                for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
