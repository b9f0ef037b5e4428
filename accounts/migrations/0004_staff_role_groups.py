"""The staff roles as Django groups, with the model permissions each needs in the admin (docs/roles.md), and the
existing staff (is_staff, not superuser) in `manager`, so nobody loses what they could do before roles existed
(docs/decisions/0023-staff-roles.md).

The table lives in accounts.services.role_groups, which also runs after every migrate; it only adds, so running it
here with today's table gives a fresh database the same groups as an upgraded one.
"""
from django.conf import settings
from django.db import migrations


def create_groups(apps, schema_editor):
    from accounts.services.role_groups import role_groups_sync

    role_groups_sync(apps=apps)
    manager = apps.get_model("auth", "Group").objects.get(name="manager")
    for user in apps.get_model(settings.AUTH_USER_MODEL).objects.filter(is_staff=True, is_superuser=False):
        user.groups.add(manager)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["box_office", "door", "programme", "manager"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_account_language"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # The apps whose models the groups get permissions on.
        ("core", "0008_showseat_hold_fields_match_state"),
        ("venues", "0001_initial"),
        ("orders", "0001_initial"),
        ("tickets", "0001_initial"),
        ("notifications", "0003_outbox_language"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
