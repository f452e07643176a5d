"""Django's own refusals as people read them: Japanese, in the site's layout, with the reason and the next
step; JSON under /api/; and the self-contained page where the layout cannot be drawn."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _main(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def test_a_url_nobody_serves_is_a_japanese_page_in_the_layout(login, cast):
    response = login(cast["alice"]).get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'class="skip-link"' in page  # the site's layout, with its menu
    assert "ページが見つかりません" in _main(response) and "トップページのメニューから" in _main(response)
    assert "Not Found" not in page


def test_a_forbidden_page_says_why_and_what_to_do_next(login, cast):
    response = login(cast["bob"]).get("/persons/")  # a care manager on the municipal search
    assert response.status_code == 403
    main = _main(response)
    assert "権限がありません" in main and "所属先の管理者" in main
    assert "403 Forbidden" not in response.content.decode()


def test_a_form_sent_without_its_csrf_token_gets_the_japanese_page(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["alice"])
    response = client.post("/persons/", {"name_kana": "カイゴ"})
    assert response.status_code == 403
    main = _main(response)
    assert "送信を受け付けませんでした" in main and "再読み込み" in main
    assert "CSRF" not in main


def test_the_api_keeps_its_json_and_stable_codes(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_with_the_database_away_the_page_needs_nothing(rf, monkeypatch):
    from django.db import OperationalError

    from kaigo_portal.web import errors

    def away(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(errors.loader, "render_to_string", away)  # the layout reads the session
    response = errors.page_not_found(rf.get("/somewhere/"))
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()
