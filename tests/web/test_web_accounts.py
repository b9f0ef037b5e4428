"""The pages' account flows on top of the accounts services: the login delay, and password reset by e-mail."""
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_web_login_meets_the_growing_per_username_delay(client, settings):
    settings.LOGIN_FAILURES_BEFORE_DELAY = 1
    UserFactory(username="victim")
    pages = [client.post(reverse("web:login"), {"username": "victim", "password": "wrong"}) for _ in range(3)]
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert "Too many attempts" not in pages[0].content.decode()
    assert "Too many attempts: please wait" in pages[2].content.decode()


def test_password_reset_by_e_mail_then_log_in_with_the_new_password(client, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_LINK = "http://testserver/account/password-reset/{uid}/{token}/"
    user = UserFactory(username="ana", email="ana@example.com")
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes out when the request commits
        response = client.post(reverse("web:password_reset"), {"email": "ANA@example.com"}, follow=True)
    assert "If an account with this e-mail address exists" in response.content.decode()
    unknown = Client().post(reverse("web:password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert "If an account with this e-mail address exists" in unknown.content.decode()  # the same answer
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ana@example.com"]
    link = re.search(r"http://testserver(/account/password-reset/[^/\s]+/[^/\s]+/)", mail.outbox[0].body).group(1)
    weak = client.post(link, {"password": "123"})
    assert weak.status_code == 400 and weak.context["errors"]
    done = client.post(link, {"password": "A-new-Str0ng-pass"}, follow=True)
    assert "Your password has been reset" in done.content.decode()
    assert client.post(link, {"password": "Another-Str0ng-pass"}).status_code == 400  # the link works once
    user.refresh_from_db()
    assert user.check_password("A-new-Str0ng-pass") and not user.check_password(PASSWORD)
    login = client.post(reverse("web:login"), {"username": "ana", "password": "A-new-Str0ng-pass"})
    assert login.status_code == 302
