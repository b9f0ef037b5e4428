from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "waitlist"
    verbose_name = "Waiting lists"

    def ready(self):
        from waitlist import receivers  # noqa: F401  (connects the receivers)
