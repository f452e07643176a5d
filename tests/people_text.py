"""What a person reads on a page, and what must never be in it: a raw code of a label table, an ISO date.
Shared by the walk over every URL (tests/test_walk_every_url.py) and the role journeys (tests/journeys/)."""

from __future__ import annotations

import re

from kaigo_portal import labels

ISO_DATE = re.compile(r"(?<![\d/-])\d{4}-\d{2}-\d{2}(?![\d-])")


def visible_text(html: str) -> str:
    """The page's text without scripts, styles, pictures' markup and <code> (what machines read: a file's
    date format, a column name)."""
    html = re.sub(r"(?is)<(script|style|svg|code)\b.*?</\1>", " ", html)
    html = re.sub(r"(?is)<!--.*?-->", " ", html)
    return re.sub(r"(?s)<[^>]+>", " ", html)


def codes() -> set[str]:
    """The codes a person must never read: every code of the label tables long enough to be a code."""
    return {
        code for family in ("role", "purpose", "method") for code in labels.table(family) if len(code) >= 5
    }


def problems_in(text: str) -> list[str]:
    """Raw codes and ISO dates in text meant for people."""
    found = [
        f"raw code {code!r}"
        for code in sorted(codes())
        if re.search(rf"(?<![A-Za-z0-9_/.-]){re.escape(code)}(?![A-Za-z0-9_/.-])", text)
    ]
    return found + [f"ISO date {date}" for date in sorted(set(ISO_DATE.findall(text)))]


_MAIN = re.compile(r"(?is)<main\b.*?</main>")
_LINK = re.compile(r'(?is)<a\b[^>]*\bhref="(/[^"#]*)"[^>]*>(.*?)</a>')
BACK_WORDS = re.compile(r"^←|戻る|(?<![次前])へ$|一覧$")  # 次へ・前へ page through a list


def ways_back(html: str, path: str) -> list[str]:
    """The links in the page's main part that lead away from it the way a person turns back: a link
    named 「← …」, 「…へ戻る」, 「…へ」 or 「…一覧」 to another page of the site (the header's home link,
    which every page has, does not count)."""
    main = _MAIN.search(html)
    found = []
    for href, inner in _LINK.findall(main.group(0) if main else ""):
        name = " ".join(re.sub(r"(?s)<[^>]+>", " ", inner).split())
        if href.split("?")[0] != path and BACK_WORDS.search(name):
            found.append(name)
    return found
