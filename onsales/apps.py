from django.apps import AppConfig


class OnsalesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "onsales"
    verbose_name = "On-sales (waiting room)"

    def ready(self):
        from core.signals import register_sale_gate
        from onsales import gate, receivers  # noqa: F401  (connects the receivers)

        gate.connect_invalidation()
        register_sale_gate(gate.ONSALE_GATE)
