"""The data migration that made the role groups: staff who existed before roles keep what they could do."""
import pytest

BEFORE = [("accounts", "0003_account_language")]
AFTER = [("accounts", "0004_staff_role_groups")]


@pytest.mark.django_db(transaction=True)
def test_existing_staff_become_managers_and_no_one_else_gets_a_role(migrator):
    apps = migrator.to(BEFORE)
    User = apps.get_model("auth", "User")
    apps.get_model("auth", "Group").objects.filter(name__in=["box_office", "door", "programme", "manager"]).delete()
    staff = User.objects.create(username="old-staff", is_staff=True)
    customer = User.objects.create(username="old-customer")
    root = User.objects.create(username="old-root", is_staff=True, is_superuser=True)

    apps = migrator.to(AFTER)
    User = apps.get_model("auth", "User")

    def groups(user):
        return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))

    assert (groups(staff), groups(customer), groups(root)) == ({"manager"}, set(), set())
    manager_perms = set(apps.get_model("auth", "Group").objects.get(name="manager")
                        .permissions.values_list("codename", flat=True))
    assert {"change_show", "view_order", "view_checkin"} <= manager_perms
