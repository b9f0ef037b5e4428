from django.urls import path

from vouchers import views

urlpatterns = [
    path("vouchers/", views.VoucherListView.as_view(), name="voucher-list"),
    path("vouchers/check/", views.VoucherCheckView.as_view(), name="voucher-check"),
    path("vouchers/batch/", views.VoucherBatchView.as_view(), name="voucher-batch"),
    path("vouchers/batch/<slug:label>/codes.csv", views.VoucherBatchCsvView.as_view(), name="voucher-batch-csv"),
    path("vouchers/<id:voucher_id>/", views.VoucherDetailView.as_view(), name="voucher-detail"),
]
