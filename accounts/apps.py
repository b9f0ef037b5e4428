from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts import receivers  # noqa: F401  (connects the receivers)

        # Once per migrate (this app's signal), and after a test database is flushed: keep the role groups as
        # accounts.services.role_groups says.
        post_migrate.connect(_sync_role_groups, sender=self, dispatch_uid="accounts.sync_role_groups")


def _sync_role_groups(sender, apps=None, **kwargs):
    from django.apps import apps as installed_apps

    from accounts.services.role_groups import role_groups_sync

    # `flush` sends the signal without `apps`: the installed apps are the current state then.
    role_groups_sync(apps=apps or installed_apps)
