"""The admin's user forms check the same uniqueness as signup (one name however written, one e-mail), so staff
get a form error instead of the database's refusal (accounts.models.Account's unique keys still decide)."""
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from accounts import identity
from accounts.errors import EmailTaken, UsernameTaken
from accounts.models import Account
from common.text import validate_single_line

User = get_user_model()


class _UniqueIdentityMixin:
    def _others(self):
        accounts = Account.objects.all()
        if self.instance.pk:
            accounts = accounts.exclude(user_id=self.instance.pk)
        return accounts

    def clean_username(self):
        username = identity.normalize_username(self.cleaned_data["username"])
        if self._others().filter(username_key=identity.username_key(username)).exists():
            raise forms.ValidationError(UsernameTaken.message)
        return username

    def clean_email(self):
        email = (self.cleaned_data.get("email") or "").strip()
        key = identity.email_key(email)
        if key and self._others().filter(email_key=key).exists():
            raise forms.ValidationError(EmailTaken.message)
        return email

    # The admin is the only place names are typed: they refuse control characters as every name does
    # (common.text); the username's own validator already allows only letters, digits and @.+-_.
    def clean_first_name(self):
        validate_single_line(self.cleaned_data.get("first_name"))
        return self.cleaned_data.get("first_name")

    def clean_last_name(self):
        validate_single_line(self.cleaned_data.get("last_name"))
        return self.cleaned_data.get("last_name")


class AccountUserCreationForm(_UniqueIdentityMixin, AdminUserCreationForm):
    pass


class AccountUserChangeForm(_UniqueIdentityMixin, UserChangeForm):
    pass


class AccountUserAdmin(UserAdmin):
    add_form = AccountUserCreationForm
    form = AccountUserChangeForm


admin.site.unregister(User)
admin.site.register(User, AccountUserAdmin)
