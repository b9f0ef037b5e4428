from django.apps import AppConfig


class MovieMediaConfig(AppConfig):
    name = "moviemedia"
    verbose_name = "Posters and trailers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from moviemedia import receivers  # noqa: F401  (connects them)
