"""`make run` ends with the demo sign-ins: seed_demo prints them alone, with the URL, after the servers start."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kaigo_portal.accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_sign_ins_come_alone_with_the_url_and_the_persons_own_name(settings):
    settings.DEBUG = True
    seeded = io.StringIO()
    call_command("seed_demo", "--quiet", stdout=seeded)
    assert "デモ用サインイン" not in seeded.getvalue()
    printed = io.StringIO()
    call_command("seed_demo", "--sign-ins-only", "http://127.0.0.1:8000/", stdout=printed)
    lines = printed.getvalue().strip().splitlines()
    assert lines[0] == "デモを http://127.0.0.1:8000/ で公開しています（終了は Ctrl+C）。"
    assert lines[1] == "デモ用サインイン（パスワードはすべて kaigo-demo-2026）:"
    user = User.objects.get(email="person@example.jp")
    assert user.name == user.person_accounts.get().person.name  # the account shows the person's own name
    assert lines[-1].split()[:2] == ["本人", "person@example.jp"]
    assert lines[-1].endswith(f"{user.name}（被保険者本人）")
    assert "caremanager@example.jp" in printed.getvalue()
