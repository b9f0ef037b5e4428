"""A held seat names its hold and its expiry, any other seat neither: repair the rows that do not, then let the
database refuse them (constraint `showseat_hold_fields_match_state`); and a hold can no longer be deleted from under
seats it still holds (ShowSeat.hold: RESTRICT instead of SET_NULL).

Until now such rows could exist, and the code disagreed about what they meant (core.sellable is now the one
definition). The repair, chosen so that no seat someone may be paying for is sold, and no seat nobody can ever pay
for stays off sale:

- held, naming its hold, with no expiry: the hold itself says when it ends, so `held_until` takes its
  `expires_at` (the seat stays held exactly as long as the hold, then comes free as every expired hold's does);
- held, naming no hold (its hold was deleted, leaving the seat behind by SET_NULL): free. Without the hold nobody
  can confirm or pay for the seat (the hold's seat rows went with it), so no live hold can be proven;
- free, booked or blocked, still naming a hold or an expiry: both cleared; the state is the truth and stays.

Going back removes the constraint and leaves the repaired rows as they are (they are valid in the old schema too).
"""
import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def repair(apps, schema_editor):
    ShowSeat, Hold = apps.get_model("core", "ShowSeat"), apps.get_model("core", "Hold")
    # Held, naming its hold, with no expiry: the hold's own end.
    ShowSeat.objects.filter(state="held", hold__isnull=False, held_until__isnull=True).update(
        held_until=Subquery(Hold.objects.filter(pk=OuterRef("hold_id")).values("expires_at")[:1]))
    # Held by no hold: free.
    ShowSeat.objects.filter(state="held", hold__isnull=True).update(state="free", held_until=None)
    # Not held: no hold and no expiry.
    ShowSeat.objects.exclude(state="held").filter(Q(hold__isnull=False) | Q(held_until__isnull=False)).update(
        hold=None, held_until=None)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0007_idempotency_key_to_common'),
    ]

    operations = [
        migrations.RunPython(repair, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='showseat',
            name='hold',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT,
                                    related_name='+', to='core.hold'),
        ),
        migrations.AddConstraint(
            model_name='showseat',
            constraint=models.CheckConstraint(
                condition=models.Q(state="held", hold__isnull=False, held_until__isnull=False)
                | models.Q(state__in=["free", "booked", "blocked"], hold__isnull=True, held_until__isnull=True),
                name='showseat_hold_fields_match_state'),
        ),
    ]
