"""The catalogue pages keep the data behind them (the shows, the cinemas) in the shared cache under the catalogue's
version (common.httpcache.catalogue_cached): a second visit reads no show, and a staff change is seen at once. The
pages themselves are not cached whole: each carries the visitor's CSRF token."""
import pytest
from django.urls import reverse

from tests.factories import MovieFactory, ShowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _lifetime(settings):
    settings.CATALOGUE_MAX_AGE_SECONDS = 5


def test_a_second_visit_reads_the_shows_from_the_cache(client, django_assert_max_num_queries):
    ShowFactory(movie=MovieFactory(title="Dune"))
    client.get("/")

    with django_assert_max_num_queries(0):
        page = client.get("/")

    assert "Dune" in page.content.decode()


def test_a_staff_change_is_seen_by_the_next_visit(client):
    show = ShowFactory(movie=MovieFactory(title="Dune"))
    movie_page = reverse("web:movie", args=[show.movie_id])
    assert "Dune" in client.get("/").content.decode()
    assert len(client.get(movie_page).context["groups"]) == 1

    show.movie.title = "Dune: Part Two"
    show.movie.save()
    ShowFactory(movie=show.movie, date_time=show.date_time.replace(year=show.date_time.year + 1))

    assert "Dune: Part Two" in client.get("/").content.decode()
    assert sum(len(g["shows"]) for g in client.get(movie_page).context["groups"]) == 2


def test_each_filter_has_its_own_entry(client):
    ShowFactory(movie=MovieFactory(title="Dune"))

    assert "Dune" in client.get("/").content.decode()
    assert "Dune" not in client.get("/", {"city": "Nowhere"}).content.decode()
