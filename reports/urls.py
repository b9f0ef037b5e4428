from django.contrib import admin
from django.urls import path

from reports import views

urlpatterns = [
    path("reports/sales/", views.SalesReportView.as_view(), name="reports-sales"),
    path("reports/sales.csv", views.SalesReportCsvView.as_view(), name="reports-sales-csv"),
    # Staff only, like every admin page (admin_view redirects anyone else to the admin login).
    path("admin/reports/sales/", admin.site.admin_view(views.admin_sales_report), name="admin-reports-sales"),
]
