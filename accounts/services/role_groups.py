"""The role groups and the admin permissions each carries: the one table, and the function that makes the
database match it (docs/roles.md).

Run by the data migration that introduced roles and again after every `migrate` (post_migrate, also after a test
database is flushed): a model added later gets its permissions into the groups the table names, and a group deleted
by mistake comes back. It only adds: a permission an administrator gave a group by hand is kept.
"""
from django.contrib.auth.management import create_permissions

from accounts.roles import BOX_OFFICE, DOOR, MANAGER, PROGRAMME

ALL = ("add", "change", "delete", "view")
VIEW = ("view",)

# {(app_label, model_name): actions}. What the admin lists show each role; the jobs that are not model edits
# (reports, cancelling shows, marking paid, refunds) are checked by role, not by these.
_PROGRAMME = {("core", "movie"): ALL, ("core", "show"): ALL, ("venues", "cinema"): ALL, ("venues", "screen"): ALL,
              ("moviemedia", "moviemedia"): ALL, ("onsales", "onsale"): ALL,
              ("venues", "tickettype"): ALL}
_BOX_OFFICE = {("core", "movie"): VIEW, ("core", "show"): VIEW, ("core", "booking"): VIEW, ("core", "hold"): VIEW,
               ("orders", "order"): VIEW, ("orders", "payment"): VIEW, ("orders", "refund"): VIEW,
               ("waitlist", "waitinglist"): VIEW, ("waitlist", "entry"): VIEW}
_DOOR = {("core", "show"): VIEW, ("core", "booking"): VIEW, ("tickets", "checkin"): VIEW}
_MANAGER_ONLY = {("auth", "user"): VIEW, ("notifications", "outboxmessage"): VIEW,
                 # Promo codes: a manager's job (they give money away).
                 ("vouchers", "voucher"): ALL, ("vouchers", "voucheruse"): VIEW}


def _union(*tables: dict) -> dict:
    merged: dict = {}
    for table in tables:
        for model, actions in table.items():
            merged[model] = tuple(sorted({*merged.get(model, ()), *actions}))
    return merged


ROLE_PERMISSIONS = {PROGRAMME: _PROGRAMME, BOX_OFFICE: _BOX_OFFICE, DOOR: _DOOR,
                    MANAGER: _union(_PROGRAMME, _BOX_OFFICE, _DOOR, _MANAGER_ONLY)}


def role_groups_sync(*, apps) -> None:
    """Create the role groups and give each the permissions of the table (`apps`: a migration's historical apps,
    or django.apps.apps). Permissions are normally created after all migrations; create them first so a fresh
    database has them."""
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True  # create_permissions skips apps without one
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, table in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for (app_label, model), actions in table.items():
            group.permissions.add(*Permission.objects.filter(
                content_type__app_label=app_label, content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions]))
