"""The idempotency keys' model now belongs to `common` (common/migrations/0001_initial.py); its table stays."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_hold_record"),
        ("common", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="IdempotencyKey")]),
    ]
