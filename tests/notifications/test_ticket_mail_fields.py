"""The tickets' mail says what the printed ticket says: cinema and its address, screen, seat, price, order."""
import pytest
from django.utils import timezone, translation

from core.models import Booking
from core.services import catalog, holds
from notifications.composing import compose
from orders.services import order_create, order_mark_paid
from tests.factories import CinemaFactory, MovieFactory, ScreenFactory, UserFactory
from tests.web_fixtures import AUDITORIUM, PRICES

pytestmark = pytest.mark.django_db


def test_the_mail_names_cinema_address_price_and_order_in_the_reader_s_language():
    cinema = CinemaFactory(name="Cine Callao", city="Madrid", address="Plaza del Callao 3", time_zone="Europe/Madrid")
    screen = ScreenFactory(cinema=cinema, name="Sala 2", layout=AUDITORIUM)
    show = catalog.show_create(movie_id=MovieFactory(title="Roma").pk, screen_id=screen.pk, prices=PRICES,
                               date_time=timezone.now() + timezone.timedelta(days=2))
    customer = UserFactory()
    order = order_create(user=customer, hold_id=holds.hold_create(user=customer, show_id=show.pk,
                                                                  seat_numbers=[53]).pk, payment_method="box_office")
    order_mark_paid(order_id=order.pk, staff_user=UserFactory(is_staff=True))
    bookings = Booking.objects.filter(order=order).select_related("show__movie", "show__screen__cinema", "order")
    with translation.override("es"):
        mail = compose(user=customer, intro="", bookings=bookings)
    for body in (mail["body_text"], mail["body_html"]):
        assert "Cine Callao, Plaza del Callao 3, Madrid" in body
        assert "18,00\xa0€" in body and f"pedido {order.pk}" in body and "butaca F3" in body
