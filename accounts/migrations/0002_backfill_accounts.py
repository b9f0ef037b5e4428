"""Give every existing user an Account with its identity keys.

Users created before names and e-mails were unique may collide ("Alice" and "alice", one e-mail on two
accounts). The oldest account keeps the key; a later one gets its name key suffixed with ":<id>" (":" is not a
username character, so no signup can ever take it; the user still logs in with the exact spelling, see
accounts.backends) and no e-mail key (it can still be used, but not to reset a password until changed).
"""
import unicodedata

from django.db import migrations


def _username_key(username):
    normalised = unicodedata.normalize("NFKC", username).strip()
    return unicodedata.normalize("NFKC", normalised.casefold())


def backfill(apps, schema_editor):
    User = apps.get_model("auth", "User")
    Account = apps.get_model("accounts", "Account")
    names, emails = set(), set()
    for user in User.objects.order_by("pk").iterator():
        name_key = _username_key(user.username)
        if name_key in names:
            name_key = f"{name_key}:{user.pk}"
        names.add(name_key)
        email_key = (user.email or "").strip().lower() or None
        if email_key in emails:
            email_key = None
        if email_key:
            emails.add(email_key)
        Account.objects.get_or_create(user_id=user.pk, defaults={"username_key": name_key, "email_key": email_key})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
