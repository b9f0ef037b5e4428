from django.apps import AppConfig


class VouchersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vouchers"
    verbose_name = "Vouchers and promo codes"
