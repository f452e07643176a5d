"""One word for one thing on every screen: サインイン / サインアウト, never ログイン (allauth's own Japanese
says ログイン; locale/ja overrides it, templates/account/messages the flash messages)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_sign_in_pages_say_sign_in(client):
    page = client.get("/accounts/login/").content.decode()
    assert "サインイン" in page and "ログイン" not in page


def test_signed_in_and_out_messages_say_sign_in(cast):
    from django.template.loader import render_to_string

    signed_in = render_to_string("account/messages/logged_in.txt", {"user": cast["alice"]}).strip()
    assert signed_in.endswith("としてサインインしました。")
    assert render_to_string("account/messages/logged_out.txt", {}).strip() == "サインアウトしました。"


def test_the_password_reset_page_of_a_signed_in_user_says_sign_in(login, cast):
    page = login(cast["alice"]).get("/accounts/password/reset/").content.decode()
    assert "ログイン" not in page
