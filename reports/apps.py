from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from django.contrib import admin

        # The admin's front page with a "Reports" box for those who may read them (reports has no models, so the
        # admin would list nothing of it). The attribute is the admin's documented way to change that page.
        admin.site.index_template = "admin/reports/index.html"
