"""Model factories: one place that knows how to make a valid user, movie, show or booking."""
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from core.models import Booking, Movie, Show, ShowSeat
from core.services.catalog import FREE_PRICE, create_show_seats
from venues.layouts import layout_seats, plain_layout
from venues.models import Cinema, Screen, TicketType

PASSWORD = "Str0ng-enough-pass"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        """`UserFactory(roles=["door"])`: members of those role groups (made by accounts' data migration)."""
        if create and extracted:
            obj.groups.add(*Group.objects.filter(name__in=extracted))


class StaffFactory(UserFactory):
    """A staff member as existing staff became when roles arrived: may enter the admin, role `manager`."""

    is_staff = True

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        if create:
            obj.groups.add(*Group.objects.filter(name__in=extracted or ["manager"]))


class MovieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Movie

    title = factory.Sequence(lambda n: f"Movie {n}")
    duration_minutes = 120


class ShowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Show

    movie = factory.SubFactory(MovieFactory)
    screen_name = "Screen 1"
    date_time = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    total_seats = 50
    prices = factory.LazyFunction(lambda: {"standard": "0.00"})

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A show is sold from its own seat rows: make them as the service does for the seed's form.
        show = super()._create(model_class, *args, **kwargs)
        create_show_seats(show, layout_seats(plain_layout(show.total_seats)), {"standard": FREE_PRICE})
        return show


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    user = factory.SubFactory(UserFactory)
    show = factory.SubFactory(ShowFactory)
    seat_number = factory.Sequence(lambda n: n % 50 + 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The seat row's state is the truth the services decide from: a booked booking marks its seat booked.
        booking = super()._create(model_class, *args, **kwargs)
        if booking.status == Booking.Status.BOOKED:
            ShowSeat.objects.filter(show=booking.show, number=booking.seat_number).update(state=ShowSeat.State.BOOKED)
        return booking


def mark_booked(show, seat_numbers) -> None:
    """For tests that bulk-insert bookings: mark their seats booked, as the booking service would."""
    ShowSeat.objects.filter(show=show, number__in=list(seat_numbers)).update(state=ShowSeat.State.BOOKED)


# A small auditorium: row A (standard, an aisle after A2), row B (premium), row C (a wheelchair space with its
# companion seat). Numbers: A1=1, A2=2, A3=3, B1=4, B2=5, C1=6, C2=7.
SMALL_LAYOUT = {"rows": [
    {"label": "A", "seats": [{"label": "A1", "category": "standard"}, {"label": "A2", "category": "standard"}, None,
                             {"label": "A3", "category": "standard", "restricted_view": True}]},
    {"label": "B", "seats": [{"label": "B1", "category": "premium"}, {"label": "B2", "category": "premium"}]},
    {"label": "C", "seats": [None, {"label": "C1", "category": "wheelchair", "wheelchair": True},
                             {"label": "C2", "category": "companion", "companion": True}]},
]}
SMALL_PRICES = {"standard": "10.00", "premium": "15.50", "wheelchair": "10.00", "companion": "5.00"}


class CinemaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cinema

    name = factory.Sequence(lambda n: f"Cinema {n}")
    city = "Paris"
    time_zone = "Europe/Paris"


class ScreenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Screen

    cinema = factory.SubFactory(CinemaFactory)
    name = factory.Sequence(lambda n: f"Screen {n}")
    layout = factory.LazyFunction(lambda: SMALL_LAYOUT)


class TicketTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketType

    cinema = factory.SubFactory(CinemaFactory)
    code = "child"
    name = "Child"
    max_age = 14
