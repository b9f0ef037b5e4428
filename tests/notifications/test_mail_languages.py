"""E-mails in the recipient's language (English, Spanish, Hindi): recorded on the account at signup from the
request's language and changed with PATCH /me; subjects, bodies, dates and prices written that way, whoever's
request caused the mail, and whether this process or the Celery worker sends it. Delivered to a real SMTP server
(aiosmtpd on loopback)."""
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from email.header import decode_header, make_header

import pytest

from accounts.models import Account
from core.services.booking import booking_create
from core.services.holds import hold_create
from notifications.models import OutboxMessage
from orders.services import order_cancel, order_create, order_mark_paid
from tests.conftest import client_for
from tests.factories import PASSWORD, CinemaFactory, ScreenFactory, ShowFactory, StaffFactory, UserFactory
from tests.seat_prices import set_seat_prices

pytestmark = pytest.mark.django_db(transaction=True)

# 17:00 UTC on 1 June 2027 is 19:00 in Madrid: every mail gives the cinema's local time, written the reader's way.
START = datetime(2027, 6, 1, 17, 0, tzinfo=dt_timezone.utc)


@pytest.fixture
def madrid_show():
    return ShowFactory(screen=ScreenFactory(cinema=CinemaFactory(time_zone="Europe/Madrid")), date_time=START)


def _subject(message) -> str:
    """The Subject header decoded (non-ASCII subjects travel RFC 2047-encoded)."""
    return str(make_header(decode_header(message["Subject"])))


def _text(message, subtype="plain") -> str:
    part = next(p for p in message.walk() if p.get_content_type() == f"text/{subtype}")
    return part.get_payload(decode=True).decode(part.get_content_charset())


def _user_speaking(language: str):
    user = UserFactory()
    Account.objects.filter(user=user).update(language=language)
    return type(user).objects.get(pk=user.pk)  # as a later request loads it (the factory's copy caches its account)


def test_signup_records_the_requests_language_and_me_shows_and_changes_it(api_client):
    response = api_client.post("/signup", {"username": "lucia", "email": "lucia@example.com", "password": PASSWORD},
                               format="json", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    assert response.status_code == 201
    lucia = Account.objects.get(user_id=response.json()["id"])
    assert lucia.language == "es"
    assert client_for(lucia.user).get("/me").json()["language"] == "es"

    response = client_for(lucia.user).patch("/me", {"language": "hi"}, format="json")
    assert response.status_code == 200 and response.json()["language"] == "hi"
    lucia.refresh_from_db()
    assert lucia.language == "hi"
    assert response.json()["email"] == "lucia@example.com"  # untouched

    bad = client_for(lucia.user).patch("/me", {"language": "fr"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid" and "language" in bad.json()
    assert client_for(lucia.user).patch("/me", {}, format="json").status_code == 400
    # A language the site does not speak at signup: English.
    response = api_client.post("/signup", {"username": "jean", "email": "jean@example.com", "password": PASSWORD},
                               format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert client_for(Account.objects.get(user_id=response.json()["id"]).user).get("/me").json()["language"] == "en"


def test_by_default_the_mail_is_in_english(smtp_server, madrid_show):
    booking_create(user=UserFactory(), show_id=madrid_show.pk, seat_number=1, now=START - timedelta(days=1))

    [message] = smtp_server.wait_for(1)
    assert _subject(message) == f"Your reservation: {madrid_show.movie.title}, June 1, 2027, 7 p.m."
    assert message["Content-Language"] == "en"
    assert "Your seats are reserved." in _text(message) and "Your cinema" in _text(message)


def test_a_spanish_customers_booking_mail_arrives_in_spanish(smtp_server, madrid_show):
    set_seat_prices("8.50", madrid_show)
    user = _user_speaking("es")

    booking_create(user=user, show_id=madrid_show.pk, seat_number=2, now=START - timedelta(days=1))

    [message] = smtp_server.wait_for(1)
    assert _subject(message) == f"Tu reserva: {madrid_show.movie.title}, 1 de junio de 2027 a las 19:00"
    assert message["Content-Language"] == "es"
    text = _text(message)
    assert f"Hola, {user.username}:" in text
    assert "Tus butacas están reservadas. Muestra estos códigos en la entrada." in text
    assert "1 de junio de 2027 a las 19:00, sala" in text and "butaca 2" in text
    assert "(a pagar en la taquilla)" in text and "Paga en taquilla antes de la función, por favor." in text
    html = _text(message, "html")
    assert '<html lang="es">' in html and "Código QR de la entrada" in html and "Tu cine" in html
    assert OutboxMessage.objects.get().language == "es"


def test_a_hindi_customers_paid_order_mail_arrives_in_hindi_with_the_price_written_for_hindi(smtp_server, madrid_show):
    set_seat_prices("10.00", madrid_show)
    user, staff = _user_speaking("hi"), StaffFactory()
    order = order_create(user=user, hold_id=hold_create(user=user, show_id=madrid_show.pk, seat_numbers=[4, 5],
                                                        now=START - timedelta(days=1)).pk,
                         payment_method="box_office", now=START - timedelta(days=1))

    order_mark_paid(order_id=order.pk, staff_user=staff, now=START - timedelta(days=1))  # staff: English

    [message] = smtp_server.wait_for(1)
    assert _subject(message) == f"आपके टिकट: {madrid_show.movie.title}, जून 1, 2027, 7 बजे"
    assert message["Content-Language"] == "hi"
    text = _text(message)
    assert f"नमस्ते {user.username}," in text
    assert f"धन्यवाद: ऑर्डर #{order.pk} का भुगतान हो गया (€20.00)।" in text
    assert text.count("(भुगतान हो गया)") == 2  # each ticket's payment status
    assert "application/pdf" in [p.get_content_type() for p in message.walk()]


def test_a_refund_mail_gives_the_amount_the_spanish_way(smtp_server, madrid_show):
    set_seat_prices("12.50", madrid_show)
    user, staff = _user_speaking("es"), StaffFactory()
    day_before = START - timedelta(days=1)
    order = order_create(user=user, hold_id=hold_create(user=user, show_id=madrid_show.pk, seat_numbers=[7],
                                                        now=day_before).pk, payment_method="box_office",
                         now=day_before)
    order_mark_paid(order_id=order.pk, staff_user=staff, now=day_before)
    smtp_server.wait_for(1)

    order_cancel(user=user, order_id=order.pk, now=day_before)

    message = smtp_server.wait_for(2)[-1]
    assert _subject(message) == (f"Pedido n.º {order.pk} cancelado: {madrid_show.movie.title}, "
                                  "1 de junio de 2027 a las 19:00")
    assert f"El pedido n.º {order.pk} está cancelado. Se está reembolsando 12,50\xa0€." in _text(message)


def test_the_recipients_language_not_the_requests(smtp_server, madrid_show, staff_user):
    # Staff browsing in Hindi cancel the show: the Spanish customer reads Spanish, the English one English.
    spanish, english = _user_speaking("es"), UserFactory()
    for seat, user in ((1, spanish), (2, english)):
        booking_create(user=user, show_id=madrid_show.pk, seat_number=seat)
    smtp_server.wait_for(2)

    response = client_for(staff_user).post(f"/shows/{madrid_show.pk}/cancel/", HTTP_ACCEPT_LANGUAGE="hi")

    assert response.status_code == 200, response.content
    mails = {m["To"]: m for m in smtp_server.wait_for(4)[2:]}
    title = madrid_show.movie.title
    assert _subject(mails[spanish.email]) == f"{title}: la función se ha cancelado"
    assert "Las entradas pagadas se reembolsan." in _text(mails[spanish.email])
    assert _subject(mails[english.email]) == f"{title}: the show was cancelled"


def test_the_password_reset_mail_is_in_the_accounts_language(smtp_server, api_client):
    user = _user_speaking("hi")

    response = api_client.post("/password/reset", {"email": user.email}, format="json", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 202
    [message] = smtp_server.wait_for(1)
    assert _subject(message) == "अपना पासवर्ड रीसेट करें"
    assert f"नमस्ते {user.username}," in _text(message) and "uid: " in _text(message)


def test_the_celery_worker_sends_it_in_the_customers_language(celery_worker_process, smtp_server, madrid_show):
    user = _user_speaking("es")

    booking_create(user=user, show_id=madrid_show.pk, seat_number=3, now=START - timedelta(days=1))

    [message] = smtp_server.wait_for(1, timeout=30)
    assert _subject(message) == f"Tu reserva: {madrid_show.movie.title}, 1 de junio de 2027 a las 19:00"
    assert message["Content-Language"] == "es"  # rendered by the worker, under the row's language
    assert "Tus butacas están reservadas." in _text(message)


def test_the_pages_language_switcher_also_sets_a_signed_in_customers_mail_language(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post("/i18n/setlang/", {"language": "hi", "next": "/"})

    assert response.status_code == 302
    assert Account.objects.get(user=user).language == "hi"
    client.logout()
    client.post("/i18n/setlang/", {"language": "es", "next": "/"})  # anonymous: the cookie only
    assert Account.objects.get(user=user).language == "hi"
