"""Keeps each user's Account (identity keys) in step with the user, whoever saves it: the API's services, the
admin, `createsuperuser`, a shell. Receivers run inside the saving transaction, so a duplicate name or e-mail
rolls the user's save back too (the services turn that IntegrityError into 400 username_taken / email_taken).
"""
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts import identity
from accounts.models import Account
from accounts.services import tokens

User = get_user_model()


@receiver(post_save, sender=User, dispatch_uid="accounts.sync_account_keys")
def sync_account_keys(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return  # loaddata: fixtures bring their own rows
    if update_fields is not None and not {"username", "email"} & set(update_fields):
        return  # e.g. last_login, is_active, password: the keys cannot have changed
    keys = {"username_key": identity.username_key(instance.username), "email_key": identity.email_key(instance.email)}
    if created:
        Account.objects.create(user=instance, **keys)
    elif not Account.objects.filter(user=instance).update(**keys):
        Account.objects.create(user=instance, **keys)


@receiver(user_logged_in, dispatch_uid="accounts.session_version_record")
def record_session_version(sender, request, user, **kwargs):
    # Every session login (the web pages' and the admin's) remembers the version it was made under, so that
    # /logout/all and an account deletion end it (accounts.middleware).
    if request is not None and hasattr(request, "session"):
        tokens.session_version_record(session=request.session, user=user)
