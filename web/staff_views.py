"""The staff's pages: the box-office till (/boxoffice/, role box_office) and the door scanner (/door/, role door).

Like the moviegoer's pages they only translate HTTP: a sale, its tickets and a counter refund are
orders.box_office's, a check-in is tickets.services.checkin; a domain error becomes a message (or, at the door,
the red answer). Signed out, a page sends to the login page; signed in without the role, 403.
"""
import functools
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import time_format
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from rest_framework.exceptions import ParseError

from accounts.roles import BOX_OFFICE, DOOR, has_role
from common.errors import DomainError, NotFound
from common.parsers import json_loads
from core import selectors
from core.models import Booking, Show
from orders import box_office
from orders.models import CounterMethod, Order
from tickets import services as ticket_services
from tickets.errors import TicketNotFound
from tickets.selectors import door_ticket_type, seat_label
from venues.models import ADULT
from web.seatmap import build_seat_map, chosen_ticket_types, seat_map_texts
from web.templatetags.web_tags import money, show_local_time


def staff_page(role: str):
    """Signed out: the login page (back here after). Signed in without `role`: the 403 page."""
    def decorator(view):
        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, role):
                return render(request, "web/staff/forbidden.html", status=403)
            return view(request, *args, **kwargs)
        return checked
    return decorator


def _upcoming_shows(now, *, since: timedelta):
    """Scheduled shows from `now - since` on, soonest first: today's come first."""
    return list(selectors.show_list(now=now).filter(status=Show.Status.SCHEDULED, date_time__gt=now - since)[:60])


def _chosen_show(request, shows):
    try:
        wanted = int(request.GET.get("show", ""))
    except ValueError:
        wanted = None
    return next((s for s in shows if s.pk == wanted), shows[0] if shows else None)


# --- The till ---------------------------------------------------------------------------------------------
@require_GET
@staff_page(BOX_OFFICE)
def till(request):
    now = timezone.now()
    shows = _upcoming_shows(now, since=timedelta(0))
    show = _chosen_show(request, shows)
    context = {"shows": shows, "show": show, "max_seats": settings.MAX_SEATS_PER_BOOKING,
               "poll_ms": settings.SEAT_MAP_POLL_MS,
               "paid_by_choices": CounterMethod.choices, "seat_texts": seat_map_texts(), "currency": settings.CURRENCY}
    if show is not None:
        context["seat_map"] = build_seat_map(selectors.seat_map(show_id=show.pk))
        context["ticket_types"] = selectors.ticket_type_choices(show=show, language=get_language())
    sold = request.GET.get("sold", "")
    if sold.isdigit():
        order = (Order.objects.filter(pk=int(sold)).with_show()
                 .prefetch_related("payments", "refunds").first())
        if order is not None:
            payment = next((p for p in order.payments.all() if p.counter_method), None)
            context["sale"] = {"order": order, "labels": _sale_seats(order),
                               "paid_by": dict(CounterMethod.choices).get(payment.counter_method) if payment
                               else "", "refunded": sum(r.amount for r in order.refunds.all())}
    return render(request, "web/staff/till.html", context)


def _sale_seats(order) -> str:
    """"A1, A2", or with each seat's type on a show that sells more than Adult: "A1 (Child), A2 (Adult)"."""
    show = order.show
    cinema_id = show.screen.cinema_id if show.screen_id is not None else None
    if not selectors.names_ticket_types(show, (seat.get("ticket_type", ADULT) for seat in order.seats)):
        return ", ".join(seat["label"] for seat in order.seats)
    names = selectors.ticket_type_names(cinema_ids=[cinema_id], language=get_language())
    return ", ".join(f"{seat['label']} ({names.get(cinema_id, seat.get('ticket_type', ADULT)).name})"
                     for seat in order.seats)


def _till_url(show_id=None, sold=None) -> str:
    query = "&".join(f"{k}={v}" for k, v in (("show", show_id), ("sold", sold)) if v)
    return reverse("web:till") + (f"?{query}" if query else "")


@require_POST
@staff_page(BOX_OFFICE)
def till_sell(request):
    try:
        show_id = int(request.POST.get("show", ""))
        seat_numbers = [int(value) for value in request.POST.getlist("seat")]
    except ValueError:
        messages.error(request, _("Choose a show and seats."))
        return redirect(_till_url())
    paid_by = request.POST.get("paid_by", CounterMethod.CASH)
    if paid_by not in CounterMethod.values:
        paid_by = CounterMethod.CASH
    email = request.POST.get("email", "").strip()
    if not seat_numbers:
        messages.error(request, _("Choose at least one seat."))
        return redirect(_till_url(show_id))
    try:
        order = box_office.box_office_sell(staff_user=request.user, show_id=show_id, seat_numbers=seat_numbers,
                                           paid_by=paid_by, email=email,
                                           ticket_types=chosen_ticket_types(request.POST, seat_numbers))
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(_till_url(show_id))
    messages.success(request, _("Sold: order #%(order)s, %(total)s.") % {"order": order.pk,
                                                                         "total": money(order.total)})
    return redirect(_till_url(show_id, order.pk))


@require_GET
@staff_page(BOX_OFFICE)
def till_tickets_pdf(request, order_id: int):
    page_format = request.GET.get("format", "a4")
    if page_format not in box_office.PAGE_FORMATS:
        page_format = "a4"
    try:
        pdf = box_office.box_office_tickets_pdf(order_id=order_id, page_format=page_format)
    except DomainError as exc:
        return render(request, "web/not_found.html", {"message": exc.detail},
                      status=404 if isinstance(exc, NotFound) else 409)
    return HttpResponse(pdf, content_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="tickets-order-{order_id}.pdf"'})


@require_POST
@staff_page(BOX_OFFICE)
def till_refund(request):
    order_id = request.POST.get("order", "").strip().lstrip("#")
    show_id = request.POST.get("show", "")
    if not order_id.isdigit():
        messages.error(request, _("Type the order number to refund."))
        return redirect(_till_url(show_id))
    try:
        order = box_office.box_office_refund(staff_user=request.user, order_id=int(order_id))
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(_till_url(show_id))
    refund = order.refund
    if order.cash_paid_out:
        messages.success(request, _("Order #%(order)s refunded: pay out %(amount)s in cash.")
                         % {"order": order.pk, "amount": money(order.cash_paid_out)})
    elif refund is None:
        messages.success(request, _("Order #%(order)s cancelled: nothing was paid.") % {"order": order.pk})
    else:
        messages.success(request, _("Order #%(order)s refunded: %(amount)s goes back to the card it was paid with.")
                         % {"order": order.pk, "amount": money(refund.amount)})
    return redirect(_till_url(show_id or order.show_id))


# How long the door's green or red answer stays before the scanner reads again (a tap dismisses it sooner).
RESULT_MS = 2500


# --- The door ---------------------------------------------------------------------------------------------
@require_GET
@staff_page(DOOR)
def door(request):
    now = timezone.now()
    # Shows that started up to three hours ago are still at the door (latecomers), then the coming ones.
    shows = _upcoming_shows(now, since=timedelta(hours=3))
    show = _chosen_show(request, shows)
    counts = ticket_services.checkin_list(show_id=show.pk) if show else None
    return render(request, "web/staff/door.html", {"shows": shows, "show": show, "counts": counts,
                                                   "result_ms": RESULT_MS})


def _when(value, show) -> str:
    """HH:MM in the show's cinema's time zone."""
    zone = show_local_time(show).tzinfo
    return time_format(localtime(value, zone), "H:i")


def _reason(exc: DomainError, booking, show) -> str:
    extra = exc.extra
    if exc.code == "already_checked_in" and "checked_in_at" in extra:
        return _("Already used at %(time)s.") % {"time": _when(parse_datetime(extra["checked_in_at"]), show)}
    if exc.code == "checkin_not_open" and "opens_at" in extra:
        return _("Not open yet: the door opens at %(time)s.") % {"time": _when(parse_datetime(extra["opens_at"]),
                                                                                show)}
    if exc.code == "wrong_show" and booking is not None:
        return _("Another show: %(show)s.") % {"show": _show_text(booking.show)}
    if exc.code == "ticket_cancelled":
        return _("Cancelled ticket.")
    if exc.code == "payment_required":
        return _("Not paid yet: send to the box office.")
    if exc.code == "not_found":
        return _("Unknown ticket.")
    return exc.detail


def _show_text(show) -> str:
    local = show_local_time(show)
    return f"{show.movie.title}, {time_format(local, 'H:i')}, {show.screen_name}"


def _ticket_type(booking) -> str:
    """The ticket's type as the API's check-in tells it (tickets.selectors.door_ticket_type), with the reminder to
    ask for proof when the type needs it (a child's age, a student card)."""
    kind = door_ticket_type(booking)
    if kind["check_proof"]:
        return _("%(ticket_type)s: check proof") % {"ticket_type": kind["ticket_type_name"]}
    return kind["ticket_type_name"]


@require_POST
@staff_page(DOOR)
def door_checkin(request):
    """The scanner's request (JSON in, JSON out): admit the code through the check-in service and say why not."""
    try:
        body = json_loads(request.body or b"{}")
        code = str(body.get("code", "")).strip().upper()[:64]
        show_id = int(body["show_id"]) if body.get("show_id") not in (None, "") else None
    except (ParseError, ValueError, TypeError, AttributeError, KeyError, OverflowError):
        return JsonResponse({"detail": _("Bad request."), "code": "invalid"}, status=400)
    if not (code.isascii() and code.isprintable()):
        code = ""  # a ticket code is printable ASCII; anything else (a NUL from a crafted QR code) is no ticket
    show = Show.objects.with_relations().filter(pk=show_id).first() if show_id else None
    booking = (Booking.objects.with_show().select_related("order")
               .filter(ticket_code=code).first()) if code else None
    answer = {"admitted": False, "seat": "", "show": "", "type": "", "reason": ""}
    if booking is not None:
        answer.update(seat=seat_label(booking), show=_show_text(booking.show), type=_ticket_type(booking))
    try:
        if not code:
            raise TicketNotFound()
        ticket_services.checkin(code=code, show_id=show_id, staff_user=request.user)
        answer.update(admitted=True, reason=_("Welcome in."))
    except DomainError as exc:
        answer.update(reason=_reason(exc, booking, show or (booking.show if booking else None)), code=exc.code)
    if show is not None:
        counts = ticket_services.checkin_list(show_id=show.pk)
        answer.update(checked_in=counts["checked_in"], expected=counts["expected"])
    return JsonResponse(answer)
