from django.apps import AppConfig


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"
    verbose_name = "Orders and payments"

    def ready(self):
        from orders import receivers  # noqa: F401  (connects the receivers)
