"""The Content-Security-Policy: sent on every page, with no inline script or style allowed, and no page or
template that needs one (issue 17: the pages' scripts are static files)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|\son[a-z]+=\"|\sstyle=\"|<style\b"
)


@pytest.mark.django_db
def test_every_page_carries_the_policy_without_unsafe_inline(client):
    policy = client.get("/portal/")["Content-Security-Policy"]
    directives = {part.strip() for part in policy.split(";")}
    assert {"script-src 'self'", "style-src 'self'", "default-src 'self'"} <= directives
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.django_db
def test_the_api_docs_load_their_script_from_a_file(client):
    page = client.get("/api/docs/").content.decode()
    assert "<script" in page and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", page)


def test_no_template_a_browser_renders_has_inline_script_style_or_handler():
    found = []
    for path in ROOT.rglob("templates/**/*.html"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & {".venv", "node_modules", "email", "pdf"} or "pdf" in path.name:
            continue  # e-mails and PDFs are not rendered by a browser under the policy
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if INLINE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []


def test_the_check_sees_an_inline_script():
    assert INLINE.search("<script>alert(1)</script>") and INLINE.search('<a onclick="x()">')
    assert not INLINE.search('<script src="/static/a.js" defer></script>')
    assert not INLINE.search('<script id="m" type="application/json">[]</script>')


def test_the_api_docs_run_under_the_policy_in_a_browser(browser_page, live_server):
    """Swagger UI (drf-spectacular's split view, self-hosted) renders with no CSP violation: no inline script;
    inline style is allowed on this page only, for the styles Swagger UI writes itself."""
    refused = []
    browser_page.on("console", lambda message: refused.append(message.text))
    browser_page.goto(f"{live_server.url}/api/docs/")
    browser_page.wait_for_selector(".swagger-ui .info")
    assert [text for text in refused if "Content Security Policy" in text] == []
    policy = browser_page.evaluate(
        "async () => (await fetch(location.href)).headers.get('content-security-policy')"
    )
    directives = {part.strip() for part in policy.split(";")}  # their order is django-csp's, not fixed
    assert "script-src 'self'" in directives and "style-src 'self' 'unsafe-inline'" in directives
