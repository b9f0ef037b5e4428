from django.urls import path

from common.schema import paged_twin
from orders import views, views_box_office

urlpatterns = [
    path("orders/", views.OrderCreateView.as_view(), name="order-create"),
    path("orders/<id:order_id>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<id:order_id>/cancel/", views.OrderCancelView.as_view(), name="order-cancel"),
    path("orders/<id:order_id>/mark-paid/", views.OrderMarkPaidView.as_view(), name="order-mark-paid"),
    path("orders/<id:order_id>/payment/refresh/", views.PaymentRefreshView.as_view(), name="order-payment-refresh"),
    path("orders/<id:order_id>/tickets.pdf", views.OrderTicketsPdfView.as_view(), name="order-tickets-pdf"),
    path("boxoffice/orders/", views_box_office.BoxOfficeSaleView.as_view(), name="box-office-orders"),
    path("boxoffice/orders/<id:order_id>/tickets.pdf", views_box_office.BoxOfficeTicketsPdfView.as_view(),
         name="box-office-tickets-pdf"),
    path("my-orders/", views.MyOrdersView.as_view(), name="my-orders"),
    # The paged form of the list is its own operation (core.urls explains).
    path("my-orders/page/", paged_twin(views.MyOrdersView).as_view(), name="my-orders-page"),
    path("payments/stripe/webhook/", views.StripeWebhookView.as_view(), name="stripe-webhook"),
]
