"""Paying at the counter: staff record the payment (POST /orders/<id>/mark-paid/ or the admin action), and a
refund is cash handed back at the counter: recorded as cash to pay out, done once staff hand it over (the admin's
"Paid out at the counter" action, orders.services.refund_paid_out)."""
from orders.payments.providers.base import PaymentProvider


class BoxOfficeProvider(PaymentProvider):
    name = "box_office"
    paid_at_counter = True
    refunds_at_counter = True

    def client_info(self, payment) -> dict:
        return {"instructions": "Pay at the box office before the order expires; staff mark it paid."}

    def execute_refund(self, refund) -> str:
        raise NotImplementedError("a box-office refund is paid out at the counter (refunds_at_counter)")
