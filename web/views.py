"""The moviegoer's pages. Like the API's views they only translate HTTP: every rule is in `core.services`
(holds, bookings, accounts) and every read in `core.selectors`; a domain error becomes a message on the page.

Pages use Django's session login and CSRF protection (the API keeps JWT). The API's abuse limits apply to the
forms that change state or guess passwords (web.throttling).
"""
import functools
import itertools
import logging
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language
from rest_framework.exceptions import Throttled

from accounts.errors import PasswordRejected
from accounts.languages import supported_language
from accounts.serializers import SignupSerializer
from accounts.services import passwords, users
from accounts.services.login import login_check
from accounts.throttles import LoginIPThrottle, LoginUsernameIPThrottle, PasswordResetIPThrottle, SignupIPThrottle
from common.errors import DomainError, NotFound
from common.httpcache import catalogue_cached
from common.replica import reads_from_replica
from core import selectors
from core.errors import HoldExpired, SeatsUnavailable
from core.filters import ShowFilter
from core.models import Show
from core.reservations import collect_by
from core.services import booking, holds
from core.throttles import BookingUserThrottle, CancelUserThrottle, HoldUserThrottle
from moviemedia.selectors import media_for_movies
from onsales import gate as onsale_gate
from onsales import selectors as onsale_selectors
from onsales import services as onsale_services
from onsales.errors import NotInQueue, OnSaleClosed, QueueRequired, QueueUnavailable
from orders import services as order_services
from orders.errors import AlreadyPaid, OrderNotPending, PaymentMethodUnavailable
from orders.models import Order, Refund
from orders.payments import get_provider
from orders.throttles import CARD_THROTTLES
from tickets.rendering import qr_svg_data_uri
from venues.models import ADULT
from venues.selectors import cinema_list
from vouchers import services as voucher_services
from vouchers.throttles import VoucherCheckUserThrottle
from waitlist import selectors as waitlist_selectors
from waitlist import services as waitlist_services
from web import live
from web.seatmap import build_seat_map, chosen_ticket_types, seat_map_texts
from web.selectors import seat_labels_for_bookings
from web.templatetags.web_tags import money, show_local_time
from web.throttling import throttle_wait

logger = logging.getLogger(__name__)


def limited_by(*throttle_classes):
    """Count a page's form against the API's limits (web.throttling); over one, the "too many" page."""
    def decorator(view):
        @functools.wraps(view)
        def limited(request, *args, **kwargs):
            wait = throttle_wait(request, *throttle_classes)
            if wait is not None:
                return _too_many(request, wait)
            return view(request, *args, **kwargs)
        return limited
    return decorator


def _not_found(request, message=None):
    return render(request, "web/not_found.html", {"message": message or _("Not found.")}, status=404)


def _too_many(request, wait: float):
    response = render(request, "web/throttled.html", {"wait": int(wait) + 1}, status=429)
    response["Retry-After"] = str(int(wait) + 1)
    return response


def _error_message(exc: DomainError, seat_labels: dict | None = None) -> str:
    message = exc.detail
    seats = exc.extra.get("seats") if isinstance(exc, SeatsUnavailable) else None
    if seats and seat_labels:
        message = f"{message} ({', '.join(seat_labels.get(n, str(n)) for n in seats)})"
    return message


def _seat_labels(show_id: int, seat_numbers: list[int]) -> dict[int, str]:
    return {seat.number: seat.label for seat in selectors.seats_for_show(show_id=show_id, seat_numbers=seat_numbers)}


# --- Browsing ---------------------------------------------------------------------------------------------
def _catalogue(request, **fixed):
    """Upcoming shows narrowed by the catalogue's own filters (core.filters.ShowFilter, as GET /shows/ applies them).

    A value the filters cannot parse is reported on the page and the list is shown unfiltered, never a 500."""
    params = {key: value for key, value in request.GET.items() if key in CATALOGUE_FILTERS and value}

    def compute():
        catalogue = ShowFilter({**params, **fixed, "upcoming": "true"}, queryset=selectors.show_list())
        if catalogue.is_valid():
            return list(catalogue.qs), params, {}
        errors = {name: [str(e) for e in errs] for name, errs in catalogue.errors.items()}
        fallback = ShowFilter({**fixed, "upcoming": "true"}, queryset=selectors.show_list())
        return list(fallback.qs), {}, errors

    # The same for every visitor, so kept in the shared cache for a few seconds (common.httpcache; the free seats it
    # shows are that old at most); the page around it is rendered per visitor. The errors are translated text: the
    # language is part of the key.
    return catalogue_cached("web-catalogue", (sorted(params.items()), sorted(fixed.items()), get_language()), compute)


CATALOGUE_FILTERS = ("city", "cinema", "date", "language")


# The date strip: today and the next days, each a link to the catalogue's own ?date= filter.
DATE_STRIP_DAYS = 14
# How many of a movie's next times the home page lists before "More times".
HOME_TIMES = 8


def _date_strip(request, params: dict) -> list[dict]:
    today = timezone.localdate()
    chosen = params.get("date", "")
    others = {key: value for key, value in params.items() if key != "date"}
    days = [{"date": None, "query": urlencode(others), "current": not chosen}]
    for offset in range(DATE_STRIP_DAYS):
        day = today + timedelta(days=offset)
        days.append({"date": day, "today": offset == 0, "query": urlencode({**others, "date": day.isoformat()}),
                     "current": chosen == day.isoformat()})
    return days


def _by_cinema(shows) -> list[dict]:
    """Show times grouped by cinema (in the order each cinema's first show starts), each with its shows in time
    order and its marks (web_tags.availability_mark)."""
    groups: dict = {}
    for show in sorted(shows, key=lambda s: s.date_time):
        name = show.screen.cinema.name if show.screen_id else ""
        groups.setdefault(name, {"cinema": name, "shows": []})["shows"].append(show)
    return list(groups.values())


# The catalogue pages may be read from the replica (common.replica): what's on may be a moment late. The show page
# is not: its seat map and the visitor's own holds must be as the primary has them when they book.
def _posters(movie_ids: tuple) -> dict:
    """The movies' posters, from the catalogue's cache (a poster's change makes it fresh: moviemedia.receivers)."""
    return catalogue_cached("web-posters", (movie_ids,), lambda: media_for_movies(movie_ids))


@require_GET
@reads_from_replica
def whats_on(request):
    """Movies with upcoming shows (poster, certificate, genres, running time, the "from" price, the next times by
    cinema), on a chosen day of the date strip, filtered by city, cinema and language."""
    shows, params, errors = _catalogue(request)
    movies = []
    for _movie_id, movie_shows in itertools.groupby(sorted(shows, key=lambda s: (s.movie.title, s.movie_id)),
                                                    key=lambda s: s.movie_id):
        movie_shows = list(movie_shows)
        movies.append({"movie": movie_shows[0].movie, "cinemas": _by_cinema(movie_shows[:HOME_TIMES]),
                       "more": len(movie_shows) > HOME_TIMES, "price_from": selectors.from_price(movie_shows)})
    posters = _posters(tuple(sorted(entry["movie"].pk for entry in movies)))
    for entry in movies:
        entry["poster"] = posters.get(entry["movie"].pk)
    cinemas = catalogue_cached("web-cinemas", (), lambda: list(cinema_list()))
    return render(request, "web/whats_on.html", {
        "movies": movies, "params": params, "errors": errors,
        "cinemas": cinemas,
        "cities": sorted({c.city for c in cinemas}),
        "languages": sorted({s.language for s in shows if s.language}),
        "date_strip": _date_strip(request, params),
        "one_day": bool(params.get("date")),
    })


@require_GET
@reads_from_replica
def movie_detail(request, movie_id: int):
    try:
        movie = selectors.movie_get(movie_id=movie_id)
    except NotFound:
        return _not_found(request, _("Movie not found."))
    shows, params, _errors = _catalogue(request, movie=str(movie_id))

    def local_day(show):
        return show_local_time(show).date()

    groups, days = [], []
    for day, day_shows in itertools.groupby(sorted(shows, key=lambda s: (local_day(s), s.date_time)), key=local_day):
        day_shows = list(day_shows)
        cinemas = sorted(_by_cinema(day_shows), key=lambda g: g["cinema"])
        days.append({"day": day, "cinemas": cinemas})
        groups += [{"day": day, **g, "price_from": selectors.from_price(g["shows"])} for g in cinemas]
    return render(request, "web/movie.html", {"movie": movie, "groups": groups, "days": days,
                                              "poster": _posters((movie.pk,)).get(movie.pk),
                                              "price_from": selectors.from_price(shows),
                                              "date_strip": _date_strip(request, params)})


# --- The waiting room of an on-sale ------------------------------------------------------------------------
def _queue_cookie(onsale_id: int) -> str:
    return f"queue_pass_{onsale_id}"


def _queue_pass(request, show_id: int) -> str | None:
    """The pass the browser keeps for the on-sale that gates `show_id` (one cookie per on-sale), if any."""
    onsale_id = onsale_gate.gating_onsale(show_id=show_id, now=timezone.now())
    return None if onsale_id is None else request.COOKIES.get(_queue_cookie(onsale_id))


def _to_waiting_room(onsale_id: int, next_url: str):
    return redirect(f"{reverse('web:waiting_room', args=[onsale_id])}?{urlencode({'next': next_url})}")


def _needs_queue(request, show_id: int) -> int | None:
    """The on-sale whose line the visitor must go through before choosing seats of `show_id`, or None (asked of
    the on-sales' gate itself, so the page and the hold agree)."""
    if not request.user.is_authenticated:
        onsale_id = onsale_gate.gating_onsale(show_id=show_id, now=timezone.now())
        return onsale_id
    try:
        onsale_gate.ONSALE_GATE.check(user=request.user, show_id=show_id, queue_pass=_queue_pass(request, show_id),
                                      now=timezone.now())
    except QueueRequired as exc:
        return exc.extra["onsale"]
    return None


def _set_queue_cookie(response, queue_status) -> None:
    if queue_status.queue_pass:
        # HttpOnly: the page's script never needs the token; it expires with the pass.
        response.set_cookie(_queue_cookie(queue_status.onsale.pk), queue_status.queue_pass,
                            expires=queue_status.pass_expires_at, httponly=True, samesite="Lax",
                            secure=settings.SESSION_COOKIE_SECURE)


def _queue_next(request, onsale) -> str:
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                                    require_https=request.is_secure()):
        return next_url
    first = onsale.shows.order_by("date_time", "pk").first()
    return reverse("web:show", args=[first.pk]) if first else reverse("web:whats_on")


@require_GET
@login_required
def waiting_room(request, onsale_id: int):
    """Join the on-sale's line (once per account: a reload or a second tab finds the same place) and wait."""
    try:
        onsale = onsale_selectors.onsale_get(onsale_id=onsale_id)
    except NotFound:
        return _not_found(request)
    next_url = _queue_next(request, onsale)
    queue_status = None
    try:
        queue_status, _new = onsale_services.queue_join(onsale=onsale, user=request.user)
    except OnSaleClosed:
        return redirect(next_url)
    except QueueUnavailable:
        pass  # the page polls and recovers once the line is reachable
    if queue_status is not None and queue_status.status == "admitted":
        response = redirect(next_url)
    else:
        response = render(request, "web/waiting_room.html", {
            "onsale": onsale, "queue": queue_status, "next_url": next_url,
            "shows": onsale.shows.select_related("movie").order_by("date_time", "pk"),
            "poll_ms": settings.ONSALE_POLL_MS,
        })
    if queue_status is not None:
        _set_queue_cookie(response, queue_status)
    return response


@require_GET
@login_required
def waiting_room_status(request, onsale_id: int):
    """The waiting room page's poll: the visitor's place as JSON (the pass goes into the cookie, not the body)."""
    try:
        onsale = onsale_selectors.onsale_get(onsale_id=onsale_id)
        queue_status = onsale_services.queue_status(onsale=onsale, user=request.user)
    except (NotFound, NotInQueue):
        return JsonResponse({"code": "not_found"}, status=404)
    except QueueUnavailable:
        return JsonResponse({"code": "queue_unavailable"}, status=503)
    response = JsonResponse({"status": queue_status.status, "position": queue_status.position,
                             "estimated_wait_seconds": queue_status.estimated_wait_seconds,
                             "opened": timezone.now() >= onsale.opens_at})
    response["Cache-Control"] = "no-store"
    _set_queue_cookie(response, queue_status)
    return response


@require_GET
def show_detail(request, show_id: int):
    try:
        show = selectors.show_get(show_id=show_id)
        seat_map = build_seat_map(selectors.seat_map(show_id=show_id))
    except NotFound:
        return _not_found(request, _("Show not found."))
    onsale_id = _needs_queue(request, show_id)
    if onsale_id is not None:
        return _to_waiting_room(onsale_id, request.path)
    my_holds, waitlist_entry = [], None
    if request.user.is_authenticated:
        my_holds = [h for h in selectors.hold_list_for_user(user=request.user) if h.show_id == show_id]
        waitlist_entry = waitlist_selectors.active_entry_for_show(user=request.user, show_id=show_id)
    # Seats chosen before signing in come back in the address (?seats=25,26, see docs/decisions): the map chooses
    # them again if they are still free. The hold starts only when the visitor, now signed in, presses "Hold".
    preselected = _number_list(request.GET.get("seats", ""))[:settings.MAX_SEATS_PER_BOOKING]
    return render(request, "web/show.html", {
        "waitlist_entry": waitlist_entry,
        "show": show,
        "seat_map": seat_map,
        "my_holds": my_holds,
        "closed": show.date_time <= timezone.now() or show.status != Show.Status.SCHEDULED,
        "cancelled": show.status != Show.Status.SCHEDULED,
        "max_seats": settings.MAX_SEATS_PER_BOOKING,
        "poll_ms": settings.SEAT_MAP_POLL_MS,
        "preselected": ",".join(str(n) for n in preselected),
        "seat_texts": seat_map_texts(),
        "ticket_types": selectors.ticket_type_choices(show=show, language=get_language()),
        "currency": settings.CURRENCY,
    })


def _number_list(value: str) -> list[int]:
    """"25,26" → [25, 26]; anything else in the list is ignored (the address is the visitor's to edit)."""
    return [int(part) for part in value.split(",") if part.strip().isdigit() and len(part.strip()) < 7]


@require_GET
def seat_state(request, show_id: int):
    """The live map's poll: the show's taken seats as JSON, 304 when the client's ETag is current."""
    try:
        etag, body = live.seat_state(show_id=show_id)
    except NotFound:
        return HttpResponse(b'{"detail":"Show not found.","code":"not_found"}', status=404,
                            content_type="application/json")
    if live.etag_matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    # Every poll must reach us (the map is live), but may be answered 304.
    response["Cache-Control"] = "no-cache"
    return response


# --- Holding and booking ----------------------------------------------------------------------------------
def _seat_numbers(request) -> list[int] | None:
    try:
        return [int(value) for value in request.POST.getlist("seat")]
    except ValueError:
        return None


@require_POST
@login_required
@limited_by(HoldUserThrottle)
def hold_seats(request, show_id: int):
    show_url = reverse("web:show", args=[show_id])
    seats = _seat_numbers(request)
    if seats is None:
        messages.error(request, _("Choose seats on the map."))
        return redirect(show_url)
    try:
        hold = holds.hold_create(user=request.user, show_id=show_id, seat_numbers=seats,
                                 queue_pass=_queue_pass(request, show_id),
                                 ticket_types=chosen_ticket_types(request.POST, seats))
    except NotFound:
        return _not_found(request, _("Show not found."))
    except QueueRequired as exc:
        return _to_waiting_room(exc.extra["onsale"], show_url)
    except DomainError as exc:
        messages.error(request, _error_message(exc, _seat_labels(show_id, exc.extra.get("seats", []))))
        return redirect(show_url)
    live.seat_state_changed(show_id=show_id)
    return redirect("web:checkout", hold_id=hold.pk)


def _own_hold(user, hold_id: int):
    return next((h for h in selectors.hold_list_for_user(user=user) if h.pk == hold_id), None)


# --- The waiting list of a sold-out show ---------------------------------------------------------------
@require_POST
@login_required
@limited_by(HoldUserThrottle)
def waitlist_join(request, show_id: int):
    """Join the show's waiting list for N seats (the API's POST /shows/<id>/waitlist/)."""
    try:
        seats = int(request.POST.get("seats", ""))
    except ValueError:
        seats = 0
    if not 1 <= seats <= settings.MAX_SEATS_PER_BOOKING:
        messages.error(request, _("Choose how many seats you are waiting for."))
        return redirect("web:show", show_id=show_id)
    try:
        entry = waitlist_services.join(user=request.user, show_id=show_id, seats=seats)
    except NotFound:
        return _not_found(request, _("Show not found."))
    except DomainError as exc:
        messages.error(request, _error_message(exc))
    else:
        position = waitlist_selectors.entry_get(entry_id=entry.pk).position
        messages.success(request, _("You are on the waiting list: number %(position)s in line. We will e-mail you "
                                    "when seats come back.") % {"position": position})
    return redirect("web:show", show_id=show_id)


@require_POST
@login_required
@limited_by(CancelUserThrottle)
def waitlist_leave(request, entry_id: int):
    """Leave a waiting list (an offer not taken is declined); back to the page it was left from."""
    try:
        waitlist_services.leave(user=request.user, entry_id=entry_id)
    except NotFound:
        return _not_found(request, _("Waiting list entry not found."))
    except DomainError as exc:  # busy: the list's lock was not free in time; nothing changed, they may try again
        messages.error(request, _error_message(exc))
        return redirect("web:my_tickets")
    messages.success(request, _("You left the waiting list."))
    if request.POST.get("back") == "show":
        return redirect("web:show", show_id=waitlist_selectors.entry_get(entry_id=entry_id).waiting_list.show_id)
    return redirect("web:my_tickets")


@require_GET
@login_required
def checkout(request, hold_id: int):
    hold = _own_hold(request.user, hold_id)
    if hold is None:
        messages.error(request, _("This hold has expired or was released; choose your seats again."))
        return redirect("web:my_tickets")
    show = selectors.show_get(show_id=hold.show_id)
    seats, typed = _seat_lines(show, selectors.held_seat_lines(hold=hold, show=show))
    total = sum((seat["price"] or Decimal("0") for seat in seats), Decimal("0"))
    # A promo code typed in: previewed per seat with the order's own price rule (vouchers), not yet used; the pay
    # form then carries it to the order, which redeems it.
    promo_code = request.GET.get("code", "").strip()[:64]
    promo, promo_error = None, None
    if promo_code:
        # Checking a code counts against the API's limit for it (guessing codes is slow there too).
        wait = throttle_wait(request, VoucherCheckUserThrottle)
        if wait is not None:
            return _too_many(request, wait)
        try:
            promo = voucher_services.voucher_check(user=request.user, code=promo_code, hold_id=hold.pk)
            total = promo["total"]
        except DomainError as exc:
            promo_error = _error_message(exc)
    return render(request, "web/checkout.html", {
        "hold": hold,
        "show": show,
        "seats": seats,
        "typed": typed,
        "seat_labels": [seat["label"] for seat in seats],
        "total": total,
        "promo_code": promo_code,
        "promo": promo,
        "promo_error": promo_error,
        "now": timezone.now(),
        "card_available": _card_available(),
        "collect_by": collect_by(show.date_time),
    })


def _seat_lines(show, lines: list[dict]) -> tuple[list[dict], bool]:
    """Seat lines (a hold's, or an order's `seats`) with their ticket type's name in the page's language, and
    whether the page names types at all: only for a show that sells more than Adult (or a seat sold as another)."""
    if not selectors.names_ticket_types(show, (line.get("ticket_type", ADULT) for line in lines)):
        return lines, False
    cinema_id = show.screen.cinema_id if show.screen_id is not None else None
    names = selectors.ticket_type_names(cinema_ids=[cinema_id], language=get_language())
    return [{**line, "type_name": names.get(cinema_id, line.get("ticket_type", ADULT)).name} for line in lines], True


def _card_available() -> bool:
    # The card form needs both keys: the secret one for the server, the publishable one for Stripe.js.
    return get_provider("stripe").is_available() and bool(settings.STRIPE_PUBLISHABLE_KEY)


# --- Paying -----------------------------------------------------------------------------------------------
@require_POST
@login_required
@limited_by(BookingUserThrottle)
def pay(request, hold_id: int):
    """"Pay": the hold becomes an order through the API's own order service (POST /orders/), paid at the box
    office or by card (the card is then entered on the order's page)."""
    method = request.POST.get("payment_method")
    if method not in (Order.Method.BOX_OFFICE, Order.Method.STRIPE):
        messages.error(request, _("Choose how to pay."))
        return redirect("web:checkout", hold_id=hold_id)
    if method == Order.Method.STRIPE and not _card_available():
        messages.error(request, _(PaymentMethodUnavailable.message))
        return redirect("web:checkout", hold_id=hold_id)
    try:
        order = order_services.order_create(user=request.user, hold_id=hold_id, payment_method=method,
                                            voucher=request.POST.get("voucher", "").strip()[:64] or None)
    except (NotFound, HoldExpired):
        messages.error(request, _("This hold has expired or was released; choose your seats again."))
        return redirect("web:my_tickets")
    except DomainError as exc:
        messages.error(request, _error_message(exc))
        return redirect("web:checkout", hold_id=hold_id)
    if order.status == Order.Status.PAID:  # nothing to pay (free seats)
        live.seat_state_changed(show_id=order.show_id)
        messages.success(request, _("Your tickets are below."))
        return redirect("web:my_tickets")
    return redirect("web:order", order_id=order.pk)


def _own_order(request, order_id: int):
    try:
        return order_services.order_get(user=request.user, order_id=order_id)
    except NotFound:
        return None


@require_GET
@login_required
@limited_by(BookingUserThrottle)
def order_page(request, order_id: int):
    """A pending order: the card form (Stripe.js from STRIPE_JS_URL), or what to do at the box office."""
    order = _own_order(request, order_id)
    if order is None:
        return _not_found(request, _("Order not found."))
    status = order.current_status()
    if status != Order.Status.PENDING:
        return redirect("web:my_tickets")
    payment = max((p for p in order.payments.all() if p.provider == order.payment_method),
                  key=lambda p: p.pk, default=None)
    show = selectors.show_get(show_id=order.show_id)
    seats, typed = _seat_lines(show, order.seats)
    return render(request, "web/order.html", {
        "order": order,
        "show": show,
        "seats": seats,
        "typed": typed,
        "payment": payment,
        "card": order.payment_method == Order.Method.STRIPE,
        "card_available": _card_available(),
        "stripe_js_url": settings.STRIPE_JS_URL,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        # 3D Secure: the server confirmed the card and Stripe wants the customer to authenticate in the browser.
        "action_required": request.GET.get("authenticate") == "1",
        "now": timezone.now(),
    })


@require_POST
@login_required
@limited_by(*CARD_THROTTLES)  # card testing: per account and address, as the API's card orders (orders.throttles)
def pay_with_card(request, order_id: int):
    """The card form's token (Stripe.js `createToken`: the card itself went to Stripe only) pays the order
    through orders.services.order_pay_with_card, which verifies the outcome with Stripe as a webhook would."""
    token = request.POST.get("card_token", "")
    if not token.startswith("tok_") or len(token) > 255:
        messages.error(request, _("The card could not be read; nothing was charged. Try again."))
        return redirect("web:order", order_id=order_id)
    try:
        order, action_required = order_services.order_pay_with_card(user=request.user, order_id=order_id,
                                                                    card_token=token)
    except NotFound:
        return _not_found(request, _("Order not found."))
    except (AlreadyPaid, OrderNotPending):
        return redirect("web:my_tickets")
    except DomainError as exc:
        messages.error(request, _error_message(exc))
        return redirect("web:order", order_id=order_id)
    return _after_payment(request, order, action_required=action_required)


@require_POST
@login_required
@limited_by(BookingUserThrottle)
def check_payment(request, order_id: int):
    """After the browser's 3D Secure step: ask Stripe what became of the payment (POST /orders/<id>/payment/refresh/'s
    service)."""
    try:
        order = order_services.payment_refresh(user=request.user, order_id=order_id)
    except NotFound:
        return _not_found(request, _("Order not found."))
    except DomainError as exc:
        messages.error(request, _error_message(exc))
        return redirect("web:order", order_id=order_id)
    return _after_payment(request, order, action_required=False)


def _after_payment(request, order, *, action_required: bool):
    status = order.current_status()
    if status == Order.Status.PAID:
        live.seat_state_changed(show_id=order.show_id)
        messages.success(request, _("Paid %(total)s. Your tickets are below.") % {"total": money(order.total)})
        return redirect("web:my_tickets")
    if status == Order.Status.PENDING and action_required:
        return redirect(reverse("web:order", args=[order.pk]) + "?authenticate=1")
    if status == Order.Status.PENDING:
        messages.error(request, _("The payment did not go through; nothing was charged. Try another card before "
                                  "the order expires."))
        return redirect("web:order", order_id=order.pk)
    # Expired meanwhile: a payment that arrived too late was refunded by the order service.
    messages.error(request, _("This order expired before it was paid; anything charged is refunded. Choose your "
                              "seats again."))
    return redirect("web:my_tickets")


@require_POST
@login_required
@limited_by(CancelUserThrottle)
def release_hold(request, hold_id: int):
    hold = _own_hold(request.user, hold_id)
    try:
        holds.hold_release(user=request.user, hold_id=hold_id)
    except DomainError as exc:
        messages.error(request, _error_message(exc))
        return redirect("web:my_tickets")
    if hold is not None:
        live.seat_state_changed(show_id=hold.show_id)
        messages.info(request, _("Your seats were released."))
        return redirect("web:show", show_id=hold.show_id)
    return redirect("web:my_tickets")


@require_GET
@login_required
def my_tickets(request):
    """Holds, orders awaiting payment, and tickets (each active one with its QR code; a paid order's PDF), upcoming
    and past, with what was refunded. A fixed number of queries whatever the number of orders and tickets."""
    now = timezone.now()
    bookings = list(selectors.booking_list_for_user(user=request.user).select_related("checkin"))
    labels = seat_labels_for_bookings(bookings)
    orders = {order.pk: order for order in order_services.order_list_for_user(user=request.user).with_show()}
    # Types are named on shows that sell more than Adult (as on their seat map and checkout): only those are read.
    typed = {b.pk: b for b in bookings if selectors.names_ticket_types(b.show, [b.ticket_type])}
    names = selectors.ticket_type_names(
        cinema_ids={b.show.screen.cinema_id for b in typed.values() if b.show.screen_id}, language=get_language())
    groups: dict = {}
    for order in orders.values():
        if order.current_status(now) == Order.Status.PENDING:
            groups[("order", order.pk)] = _ticket_group(order.show, order)
    for b in bookings:
        b.seat_label = labels.get((b.show_id, b.seat_number), str(b.seat_number))
        b.active = b.status == "booked" and b.payment_status != "refunded"
        b.qr = qr_svg_data_uri(b.ticket_code) if b.active else None
        b.type_name = (names.get(b.show.screen.cinema_id if b.show.screen_id else None, b.ticket_type).name
                       if b.pk in typed else "")
        order = orders.get(b.order_id)
        key = ("order", b.order_id) if order is not None else ("booking", b.pk)
        groups.setdefault(key, _ticket_group(b.show, order))["tickets"].append(b)
    for group in groups.values():
        group["tickets"].sort(key=lambda b: b.seat_number)
        group["active"] = sum(1 for b in group["tickets"] if b.active)
    upcoming = sorted((g for g in groups.values() if g["show"].date_time > now), key=lambda g: g["show"].date_time)
    past = sorted((g for g in groups.values() if g["show"].date_time <= now), key=lambda g: g["show"].date_time,
                  reverse=True)
    return render(request, "web/my_tickets.html", {
        "waitlist": [entry for entry in waitlist_selectors.entry_list_for_user(user=request.user, now=now,
                                                                                active_only=True)
                     if entry.status in ("waiting", "offered")],
        "holds": list(selectors.hold_list_for_user(user=request.user).with_show()),
        "upcoming": upcoming,
        "past": past,
    })


def _ticket_group(show, order) -> dict:
    group = {"show": show, "order": order, "tickets": []}
    if order is not None:
        # A refund goes back through the payment that took the money: the order's method.
        group.update(status=order.current_status(),
                     refunded=sum((r.amount for r in order.refunds.all()), Decimal("0.00")))
    return group


def _refund_message(refund) -> str:
    """What the customer is told about a refund the orders service recorded, per provider."""
    if refund is None:
        return ""
    # Executed with the provider right after the commit (orders.services.refund_execute): read its outcome.
    refund = Refund.objects.select_related("payment").get(pk=refund.pk)
    amount = money(refund.amount)
    if refund.payment.provider == Order.Method.BOX_OFFICE:
        return _("%(amount)s will be refunded in cash at the box office.") % {"amount": amount}
    if refund.state == Refund.State.DONE:
        return _("Refunded %(amount)s to your card.") % {"amount": amount}
    return _("%(amount)s will be refunded to your card; the refund is being processed.") % {"amount": amount}


@require_POST
@login_required
@limited_by(CancelUserThrottle)
def cancel_booking(request, booking_id: int):
    try:
        cancelled = booking.booking_cancel(user=request.user, booking_id=booking_id)
    except DomainError as exc:
        messages.error(request, _error_message(exc))
    else:
        live.seat_state_changed(show_id=cancelled.show_id)
        messages.success(request, " ".join(filter(None, [_("Booking cancelled."), _refund_message(cancelled.refund)])))
    return redirect("web:my_tickets")


@require_POST
@login_required
@limited_by(CancelUserThrottle)
def cancel_order(request, order_id: int):
    """Cancel a whole order with the API's service (POST /orders/<id>/cancel/): a pending one frees its seats, a
    paid one cancels its tickets and refunds them through the provider that took the money."""
    try:
        order = order_services.order_cancel(user=request.user, order_id=order_id)
    except DomainError as exc:
        messages.error(request, _error_message(exc))
    else:
        live.seat_state_changed(show_id=order.show_id)
        refunded = _refund_message(order.refund)
        messages.success(request, " ".join([_("Order cancelled."), refunded or _("Nothing was charged.")]))
    return redirect("web:my_tickets")


@require_GET
@login_required
def order_tickets_pdf(request, order_id: int):
    """The same PDF as GET /orders/<id>/tickets.pdf, for the session's user only (anyone else's order: 404)."""
    layout = "phone" if request.GET.get("layout") == "phone" else "a4"
    try:
        pdf = order_services.order_tickets_pdf(user=request.user, order_id=order_id, layout=layout)
    except NotFound:
        return _not_found(request, _("Order not found."))
    except DomainError as exc:
        messages.error(request, _error_message(exc))
        return redirect("web:my_tickets")
    return HttpResponse(pdf, content_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="tickets-order-{order_id}.pdf"'})


# --- Icons and the web app manifest -------------------------------------------------------------------------
FAVICON = Path(__file__).resolve().parent / "static" / "web" / "favicon.ico"


@require_GET
def favicon(request):
    """/favicon.ico, where browsers look for it whatever the page says (served here, not redirected: a 200)."""
    response = FileResponse(FAVICON.open("rb"), content_type="image/vnd.microsoft.icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
def manifest(request):
    """The web app manifest (install to the home screen): named in the visitor's language."""
    with translation.override(translation.get_language_from_request(request)):
        body = {
            "name": _("Cinema tickets"),
            "short_name": _("Cinema"),
            "lang": translation.get_language(),
            "start_url": reverse("web:whats_on"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#fafafa",
            "theme_color": "#0b57d0",
            "icons": [{"src": static(f"web/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
                       "purpose": "any maskable"} for size in (192, 512)],
        }
    response = JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=3600"
    response["Vary"] = "Accept-Language"
    return response


# --- Accounts ---------------------------------------------------------------------------------------------
def _next_url(request, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return candidate
    return default


def signup(request):
    """Sign up with the API's own signup rules (its serializer and service), then start a session."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    errors, values = {}, {}
    if request.method == "POST":
        wait = throttle_wait(request, SignupIPThrottle)
        if wait is not None:
            return _too_many(request, wait)
        values = {"username": request.POST.get("username", ""), "email": request.POST.get("email", "")}
        serializer = SignupSerializer(data={**values, "password": request.POST.get("password", "")})
        if serializer.is_valid():
            try:
                user = users.user_create(**serializer.validated_data, language=request.LANGUAGE_CODE)
            except DomainError as exc:
                errors = {"username": [exc.detail]}
            else:
                auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                messages.success(request, _("Welcome, %(username)s!") % {"username": user.username})
                return redirect(_next_url(request, reverse("web:whats_on")))
        else:
            errors = {field: [str(m) for m in msgs] for field, msgs in serializer.errors.items()}
    return render(request, "web/signup.html", {"errors": errors, "values": values,
                                               "next": _next_url(request, "")},
                  status=400 if errors else 200)


class LimitedAuthenticationForm(AuthenticationForm):
    """Django's login form, authenticating through the API's login check (its growing per-username delay)."""

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = login_check(username=username, password=password,
                                              client_ip=LoginIPThrottle().get_ident(self.request), request=self.request)
            except Throttled as exc:
                raise ValidationError(_("Too many attempts: please wait %(seconds)s seconds.")
                                      % {"seconds": int(exc.wait or 1) + 1}) from exc
            except DomainError as exc:
                raise self.get_invalid_login_error() from exc
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class LoginView(auth_views.LoginView):
    """Django's session login, under the same limits as the API's /login."""

    template_name = "web/login.html"
    redirect_authenticated_user = True
    authentication_form = LimitedAuthenticationForm

    def post(self, request, *args, **kwargs):
        wait = throttle_wait(request, LoginIPThrottle, LoginUsernameIPThrottle)
        if wait is not None:
            return _too_many(request, wait)
        return super().post(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    pass


def password_reset(request):
    """Ask for a reset link by e-mail (accounts.services.passwords): the same answer whether or not the address
    has an account, so the page does not tell who is a customer."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "POST":
        wait = throttle_wait(request, PasswordResetIPThrottle)
        if wait is not None:
            return _too_many(request, wait)
        email = request.POST.get("email", "").strip()
        if email:
            passwords.password_reset_request(email=email[:254])
        messages.info(request, _("If an account with this e-mail address exists, a link to reset its password "
                                 "has been sent."))
        return redirect("web:login")
    return render(request, "web/password_reset.html")


def password_reset_confirm(request, uid: str, token: str):
    """Choose a new password with the link from the e-mail; every session and token from before stops working."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    errors = []
    if request.method == "POST":
        wait = throttle_wait(request, PasswordResetIPThrottle)
        if wait is not None:
            return _too_many(request, wait)
        try:
            passwords.password_reset_confirm(uid=uid, token=token, new_password=request.POST.get("password", ""))
        except PasswordRejected as exc:
            errors = exc.extra.get("new_password", [])
        except DomainError as exc:
            errors = [exc.detail]
        else:
            messages.success(request, _("Your password has been reset. Log in with the new one."))
            return redirect("web:login")
    return render(request, "web/password_reset_confirm.html", {"errors": errors}, status=400 if errors else 200)


def set_language(request):
    """Django's language switcher (the cookie), and for a signed-in customer also their account's language: the
    one their e-mails are written in (accounts.languages), as PATCH /me sets it."""
    response = django_set_language(request)
    language = supported_language(request.POST.get("language")) if request.method == "POST" else ""
    if language and request.user.is_authenticated and response.status_code in (200, 302):
        users.me_update(user=request.user, language=language)
    return response
