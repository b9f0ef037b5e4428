from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = "E-mail"

    def ready(self):
        from core.signals import register_statement_extension
        from notifications import receivers

        register_statement_extension(receivers.RESERVATION_MAIL_ROW)
