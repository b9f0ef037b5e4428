"""Model factories: one place that knows how to make a valid user, movie, show or booking."""
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from core.models import Booking, Movie, Show

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


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    user = factory.SubFactory(UserFactory)
    show = factory.SubFactory(ShowFactory)
    seat_number = factory.Sequence(lambda n: n % 50 + 1)
