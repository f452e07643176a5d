"""Every write of the news and the FAQ (operators only)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from kaigo_portal.accounts.models import User

from ..models import (
    FaqEntry,
    NewsItem,
)
from .common import require_operator

logger = logging.getLogger(__name__)

# --- news and FAQ ------------------------------------------------------------------------------------


def news_create(
    *, title: str, body: str, published_at: dt.datetime | None, is_important: bool = False, by: User | None
) -> NewsItem:
    """Writes a news item; a blank `published_at` keeps it a draft. `by` None is for seed data only."""
    if by is not None:
        require_operator(by)
    item = NewsItem(
        title=title, body=body, published_at=published_at, is_important=is_important, updated_by=by
    )
    with transaction.atomic():
        item.full_clean()
        item.save()
    logger.info("news created: id=%s by=%s", item.pk, by and by.pk)
    return item


def news_update(
    *, item: NewsItem, title: str, body: str, published_at: dt.datetime | None, is_important: bool, by: User
) -> NewsItem:
    require_operator(by)
    item.title, item.body, item.published_at, item.is_important = title, body, published_at, is_important
    item.updated_at, item.updated_by = timezone.now(), by
    with transaction.atomic():
        item.full_clean()
        item.save(update_fields=["title", "body", "published_at", "is_important", "updated_at", "updated_by"])
    logger.info("news updated: id=%s by=%s", item.pk, by.pk)
    return item


def news_delete(*, item: NewsItem, by: User) -> None:
    require_operator(by)
    pk = item.pk
    item.delete()
    logger.info("news deleted: id=%s by=%s", pk, by.pk)


def faq_create(
    *,
    audience: str,
    question: str,
    answer: str,
    sort_order: int = 100,
    published_at: dt.datetime | None,
    by: User | None,
) -> FaqEntry:
    """Writes an FAQ entry; a blank `published_at` keeps it a draft. `by` None is for seed data only."""
    if by is not None:
        require_operator(by)
    entry = FaqEntry(
        audience=audience,
        question=question,
        answer=answer,
        sort_order=sort_order,
        published_at=published_at,
        updated_by=by,
    )
    with transaction.atomic():
        entry.full_clean()
        entry.save()
    logger.info("faq created: id=%s by=%s", entry.pk, by and by.pk)
    return entry


def faq_update(
    *,
    entry: FaqEntry,
    audience: str,
    question: str,
    answer: str,
    sort_order: int,
    published_at: dt.datetime | None,
    by: User,
) -> FaqEntry:
    require_operator(by)
    entry.audience, entry.question, entry.answer = audience, question, answer
    entry.sort_order, entry.published_at = sort_order, published_at
    entry.updated_at, entry.updated_by = timezone.now(), by
    fields = ["audience", "question", "answer", "sort_order", "published_at", "updated_at", "updated_by"]
    with transaction.atomic():
        entry.full_clean()
        entry.save(update_fields=fields)
    logger.info("faq updated: id=%s by=%s", entry.pk, by.pk)
    return entry


def faq_delete(*, entry: FaqEntry, by: User) -> None:
    require_operator(by)
    pk = entry.pk
    entry.delete()
    logger.info("faq deleted: id=%s by=%s", pk, by.pk)
