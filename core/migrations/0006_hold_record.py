"""A record per hold that outlives it (core.models.HoldRecord), for the report's holds that turned into orders.

Holds that exist now get their record: converted ("order") when a pending order keeps them. Holds already deleted
left no trace, so the report counts holds from this migration on.
"""

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    Hold, HoldRecord = apps.get_model("core", "Hold"), apps.get_model("core", "HoldRecord")
    Order = apps.get_model("orders", "Order")
    ordered = dict(Order.objects.filter(hold__isnull=False).values_list("hold_id", "created_at"))
    HoldRecord.objects.bulk_create([
        HoldRecord(hold_id=hold.pk, show_id=hold.show_id, created_at=hold.created_at, seat_count=hold.seats.count(),
                   converted_at=ordered.get(hold.pk), converted_to="order" if hold.pk in ordered else "")
        for hold in Hold.objects.order_by("pk")])


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_booking_order_payment_ticket'),
        ('orders', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='HoldRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hold_id', models.BigIntegerField(unique=True)),
                ('created_at', models.DateTimeField()),
                ('seat_count', models.PositiveIntegerField()),
                ('converted_at', models.DateTimeField(blank=True, null=True)),
                ('converted_to', models.CharField(blank=True, choices=[('reservation', 'Confirmed into a reservation'), ('order', 'Made into an order')], default='', max_length=12)),
                ('show', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='hold_records', to='core.show')),
            ],
            options={
                'ordering': ['created_at', 'id'],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('converted_at__isnull', True), ('converted_to', '')), models.Q(('converted_at__isnull', False), ('converted_to__in', ['reservation', 'order'])), _connector='OR'), name='holdrecord_converted_fields_together')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
