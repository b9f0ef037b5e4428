from django.apps import AppConfig


class TicketsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tickets"
    verbose_name = "Tickets and check-in"

    def ready(self):
        from tickets import receivers  # noqa: F401  (connects the receivers)
