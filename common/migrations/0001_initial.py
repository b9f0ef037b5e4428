"""The idempotency keys' model moves here from `core`; its table (core_idempotencykey) stays as it is.

Only Django's record of the model changes (SeparateDatabaseAndState): on a database migrated before, the table
exists already; on a new one, core's own earlier migrations create it before this runs. The content type is
renamed so the admin's permissions and history follow the model.
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="common", model="idempotencykey").exists():
        content_type.objects.filter(app_label="core", model="idempotencykey").update(app_label="common")


def restore_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="core", model="idempotencykey").exists():
        content_type.objects.filter(app_label="common", model="idempotencykey").update(app_label="core")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0006_hold_record"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyKey",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("key", models.CharField(max_length=255)),
                        ("request_fingerprint", models.CharField(max_length=64)),
                        ("state", models.CharField(choices=[("in_progress", "In progress"), ("done", "Done")],
                                                   default="in_progress", max_length=11)),
                        ("response_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("response_body", models.TextField(blank=True, null=True)),
                        ("created_at", models.DateTimeField()),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="idempotency_keys", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "core_idempotencykey",
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "key"), name="idempotency_key_unique_per_user"),
                            models.CheckConstraint(condition=models.Q(("state__in", ["in_progress", "done"])),
                                                   name="idempotency_state_valid"),
                        ],
                        "indexes": [models.Index(fields=["created_at"], name="idempotency_created_idx")],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_type, restore_content_type),
    ]
