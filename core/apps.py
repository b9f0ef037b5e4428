from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Cinema"

    def ready(self):
        from core import receivers  # noqa: F401  (connects the receivers)
