"""Posters: staff upload them (API and admin); only real images within the limits are kept, re-encoded and resized;
the pages show them with srcset; the files are served with a long cache."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from moviemedia.models import MovieMedia
from tests.factories import MovieFactory
from tests.web_fixtures import laid_out_show

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def image_bytes(size=(800, 1200), fmt="PNG", colour=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


def upload(client, movie, data: bytes, name="poster.png", **fields):
    return client.put(f"/movies/{movie.pk}/media/", {"poster": SimpleUploadedFile(name, data), **fields},
                      format="multipart")


def test_staff_upload_a_poster_kept_resized_to_a_few_widths(staff_client, movie, media_root):
    response = upload(staff_client, movie, image_bytes(), trailer_url="https://example.com/trailer")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert sorted(body["poster_widths"], key=int) == ["160", "320", "640"]
    assert body["trailer_url"] == "https://example.com/trailer"
    media = MovieMedia.objects.get(movie=movie)
    for width, name in media.renditions.items():
        with Image.open(media_root / name) as copy:
            assert copy.format == "JPEG" and copy.width == int(width) and copy.height == int(width) * 3 // 2


def test_a_small_image_is_never_enlarged(staff_client, movie, media_root):
    assert upload(staff_client, movie, image_bytes((200, 300), "JPEG"), "p.jpg").status_code == 200
    media = MovieMedia.objects.get(movie=movie)
    with Image.open(media_root / media.renditions["640"]) as copy:
        assert copy.size == (200, 300)


@pytest.mark.parametrize("data", [b"<script>alert(1)</script>", b"%PDF-1.4 not a picture", b"GIF89a\x01\x00"])
def test_what_is_not_an_image_is_refused_with_a_code(staff_client, movie, data):
    response = upload(staff_client, movie, data)
    assert response.status_code == 400 and response.json()["code"] == "poster_not_an_image"
    assert not MovieMedia.objects.filter(movie=movie).exclude(poster="").exists()


def test_a_gif_or_bmp_is_refused_and_a_truncated_png_too(staff_client, movie):
    assert upload(staff_client, movie, image_bytes(fmt="BMP"), "p.bmp").json()["code"] == "poster_not_an_image"
    assert upload(staff_client, movie, image_bytes()[:200]).json()["code"] == "poster_not_an_image"


def test_too_many_bytes_or_pixels_is_refused_with_a_code(staff_client, movie, settings):
    settings.POSTER_MAX_PIXELS = 1_000_000
    response = upload(staff_client, movie, image_bytes((1001, 1000)))
    assert response.status_code == 400 and response.json()["code"] == "poster_too_large"
    settings.POSTER_MAX_BYTES = 1000
    response = upload(staff_client, movie, image_bytes((300, 450)))
    assert response.status_code == 400 and response.json()["code"] == "poster_too_large"


def test_a_poster_bigger_than_the_json_body_limit_is_accepted_on_its_path_only(staff_client, movie, settings):
    noisy = Image.effect_noise((900, 1300), 100).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    assert len(out.getvalue()) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert upload(staff_client, movie, out.getvalue()).status_code == 200
    big_json = staff_client.post("/movies/", {"title": "x" * 70_000, "duration_minutes": 1}, format="json")
    assert big_json.status_code == 413


def test_only_staff_upload(auth_client, api_client, movie):
    assert upload(auth_client, movie, image_bytes()).status_code == 403
    assert upload(api_client, movie, image_bytes()).status_code == 401


def test_a_bad_trailer_link_is_refused(staff_client, movie):
    response = staff_client.put(f"/movies/{movie.pk}/media/", {"trailer_url": "javascript:alert(1)"},
                                format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_pages_show_the_poster_with_srcset_and_the_files_are_cached_a_year(staff_client, client, movie):
    laid_out_show(movie=movie)
    upload(staff_client, movie, image_bytes(), trailer_url="https://example.com/t")
    home = client.get("/").content.decode()
    assert 'class="poster"' in home and "-160.jpg 160w" in home and "-640.jpg 640w" in home
    page = client.get(f"/films/{movie.pk}/").content.decode()
    assert 'href="https://example.com/t"' in page and 'srcset="/media/posters/' in page
    name = MovieMedia.objects.get(movie=movie).renditions["320"]
    served = client.get(f"/media/{name}")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert "max-age=31536000" in served["Cache-Control"] and "immutable" in served["Cache-Control"]
    assert b"".join(served.streaming_content).startswith(b"\xff\xd8")
    assert client.get("/media/../settings.py").status_code == 404
    assert client.get("/media/posters/nothing.jpg").status_code == 404


def test_replacing_a_poster_deletes_the_old_files(staff_client, movie, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, movie, image_bytes(colour=(1, 2, 3)))
    first = set(MovieMedia.objects.get(movie=movie).renditions.values())
    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, movie, image_bytes(colour=(9, 9, 9)))
    assert not any((media_root / name).exists() for name in first)


def test_the_admin_uploads_through_the_same_checks(client, movie, media_root):
    from tests.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    refused = client.post("/admin/moviemedia/moviemedia/add/", {
        "movie": movie.pk, "trailer_url": "", "poster_upload": SimpleUploadedFile("x.png", b"not an image")})
    assert refused.status_code == 200 and "JPEG, PNG or WebP" in refused.content.decode()
    other = MovieFactory()
    added = client.post("/admin/moviemedia/moviemedia/add/", {
        "movie": other.pk, "trailer_url": "", "poster_upload": SimpleUploadedFile("x.png", image_bytes())})
    assert added.status_code == 302
    assert sorted(MovieMedia.objects.get(movie=other).renditions, key=int) == ["160", "320", "640"]


def test_the_admin_refuses_a_trailer_link_the_api_refuses(client, movie, media_root):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    refused = client.post("/admin/moviemedia/moviemedia/add/", {"movie": movie.pk,
                                                                 "trailer_url": "ftp://example.com/trailer"})
    assert refused.status_code == 200
    assert "trailer_url must be an http or https link of at most 500 characters." in refused.content.decode()
    assert not MovieMedia.objects.exists()
