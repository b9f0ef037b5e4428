from django.apps import AppConfig


class CommonConfig(AppConfig):
    """The bottom layer: the API's plumbing, which every app uses and which knows no app (docs/architecture.md)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "common"
    verbose_name = "API plumbing"

    def ready(self):
        from common import converters

        # Before any URL conf is read (they are read lazily, on the first request or reverse()).
        converters.register()
