"""Factories for the public portal's content and inquiries."""

from __future__ import annotations

import datetime as dt
import itertools
import time

from kaigo_portal.public.forms import form_token
from kaigo_portal.public.models import Audience, FaqEntry, NewsItem

JST = dt.timezone(dt.timedelta(hours=9))


def jst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


_numbers = itertools.count()


def news_item(**fields) -> NewsItem:
    """A news item (published 2026-04-01 unless `published_at` says otherwise; None is a draft)."""
    values = {"title": f"お知らせ{next(_numbers)}", "body": "本文です。", "published_at": jst(2026, 4, 1, 9)}
    return NewsItem.objects.create(**{**values, **fields})


def faq_entry(**fields) -> FaqEntry:
    """An FAQ entry for everyone (published 2026-04-01 unless `published_at` says otherwise)."""
    values = {
        "audience": Audience.GENERAL,
        "question": f"質問{next(_numbers)}ですか。",
        "answer": "回答です。",
        "published_at": jst(2026, 4, 1, 9),
    }
    return FaqEntry.objects.create(**{**values, **fields})


def inquiry_data(**overrides) -> dict:
    """A valid inquiry-form post, as a person would send it a minute after opening the form."""
    data = {
        "category": "rollout",
        "asker_type": "care_office",
        "body": "日立市の利用開始はいつですか。",
        "name": "山田 花子",
        "email": "hanako@example.jp",
        "phone": "",
        "organisation_name": "ケアプランセンター日立",
        "website": "",
        "started": form_token(time.time() - 60),
    }
    data.update(overrides)
    return data
