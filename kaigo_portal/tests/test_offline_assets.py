"""The API docs and the favicon come from our own static files: nothing is fetched from the internet."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_api_docs_load_swagger_ui_from_our_own_static_files(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in source for source in sources), sources
    for source in sources:
        assert not source.startswith(("http:", "https:", "//")), source  # no CDN
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), source


def test_a_browsers_favicon_request_finds_the_icon(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301
    assert answer["Location"].endswith("kaigo/favicon.ico")
    assert finders.find("kaigo/favicon.ico") and finders.find("kaigo/favicon.svg")
    assert 'rel="icon"' in client.get("/portal/").content.decode()
