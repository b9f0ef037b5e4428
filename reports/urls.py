from django.urls import path

from accounts.roles import MANAGER, admin_role_view
from reports import views

urlpatterns = [
    path("reports/sales/", views.SalesReportView.as_view(), name="reports-sales"),
    path("reports/sales.csv", views.SalesReportCsvView.as_view(), name="reports-sales-csv"),
    # Managers only: admin_role_view sends anyone signed out to the admin login and answers 403 to other staff.
    path("admin/reports/sales/", admin_role_view(MANAGER, views.admin_sales_report), name="admin-reports-sales"),
    path("reports/movies-weekly.csv", views.MovieWeeklyCsvView.as_view(), name="reports-movies-weekly-csv"),
    path("admin/reports/movies-weekly/", admin_role_view(MANAGER, views.admin_movie_weekly_report),
         name="admin-reports-movies-weekly"),
    path("reports/vouchers.csv", views.VoucherReportCsvView.as_view(), name="reports-vouchers-csv"),
    path("admin/reports/vouchers/", admin_role_view(MANAGER, views.admin_voucher_report),
         name="admin-reports-vouchers"),
]
