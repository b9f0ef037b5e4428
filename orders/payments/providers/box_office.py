"""Paying at the counter: staff record the payment (POST /orders/<id>/mark-paid/ or the admin action), and a
refund is cash handed back at the counter, so it is done as soon as it is recorded."""
from orders.payments.providers.base import PaymentProvider


class BoxOfficeProvider(PaymentProvider):
    name = "box_office"

    def client_info(self, payment) -> dict:
        return {"instructions": "Pay at the box office before the order expires; staff mark it paid."}

    def execute_refund(self, refund) -> str:
        return "box_office"
