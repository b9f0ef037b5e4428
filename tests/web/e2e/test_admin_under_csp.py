"""The admin works under the Content-Security-Policy: staff log in, open lists, forms with their widgets, and the
sales report with its chart, and the pages meet no violation (conftest.new_page fails the test on any)."""
from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory
from tests.web_fixtures import laid_out_show


def test_staff_use_the_admin_without_a_csp_violation(new_page, db):
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    show = laid_out_show()
    page = new_page()
    page.goto("/admin/")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    for path in ("/admin/core/movie/add/", f"/admin/core/show/{show.pk}/change/", "/admin/core/show/",
                 "/admin/auth/user/", "/admin/venues/screen/add/", "/admin/reports/sales/"):
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    # The date and time widgets are built by the admin's JavaScript: it ran.
    page.goto(f"/admin/core/show/{show.pk}/change/")
    expect(page.locator(".datetimeshortcuts").first).to_be_visible()
