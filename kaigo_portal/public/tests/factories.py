"""Factories for the public portal's content and inquiries."""

from __future__ import annotations

import datetime as dt
import time

import factory

from kaigo_portal.public.forms import form_token
from kaigo_portal.public.models import Audience, FaqEntry, NewsItem

JST = dt.timezone(dt.timedelta(hours=9))


def jst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


class NewsItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NewsItem

    title = factory.Sequence(lambda n: f"お知らせ{n}")
    body = "本文です。"
    published_at = jst(2026, 4, 1, 9)


class FaqEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaqEntry

    audience = Audience.GENERAL
    question = factory.Sequence(lambda n: f"質問{n}ですか。")
    answer = "回答です。"
    published_at = jst(2026, 4, 1, 9)


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
