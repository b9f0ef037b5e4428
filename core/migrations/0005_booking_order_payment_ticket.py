
import django.db.models.deletion
import core.ticket_codes
from django.conf import settings
from django.db import migrations, models


def fill_ticket_codes(apps, schema_editor):
    Booking = apps.get_model("core", "Booking")
    for booking in Booking.objects.filter(ticket_code__isnull=True).only("pk").iterator():
        Booking.objects.filter(pk=booking.pk).update(ticket_code=core.ticket_codes.new_ticket_code())


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_show_seat_inventory'),
        ('orders', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='booking',
            name='order',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to='orders.order'),
        ),
        migrations.AddField(
            model_name='booking',
            name='payment_status',
            field=models.CharField(choices=[('paid', 'Paid'), ('unpaid', 'Unpaid (pay at the box office)'), ('free', 'Free'), ('refunded', 'Refunded')], default='free', max_length=10),
        ),
        # Existing bookings each need their own code: add the column nullable, fill it row by row, then make it
        # unique and required (a callable default in AddField would give every existing row the same code).
        migrations.AddField(
            model_name='booking',
            name='ticket_code',
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(fill_ticket_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='booking',
            name='ticket_code',
            field=models.CharField(default=core.ticket_codes.new_ticket_code, editable=False, max_length=32, unique=True),
        ),
        migrations.AddConstraint(
            model_name='booking',
            constraint=models.CheckConstraint(condition=models.Q(('payment_status__in', ['paid', 'unpaid', 'free', 'refunded'])), name='booking_payment_status_valid'),
        ),
    ]
