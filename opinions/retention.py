"""Retention of 主治医意見書 (kaigo_portal.operations.retention): the content of an opinion (the structured
document, the received JSON, the PDF and its signature) is deleted KAIGO_OPINION_KEEP_YEARS after it was
received; the row stays, with who sent it and when."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings

from kaigo_portal.operations.retention import Rule

from .models import Opinion


def purge_opinion_contents(now: dt.datetime, apply: bool) -> int:
    cutoff = now - relativedelta(years=settings.KAIGO_OPINION_KEEP_YEARS)  # 2月29日 too
    opinions = Opinion.objects.filter(received_at__lt=cutoff).exclude(document={}, attachment="", source=None)
    count = opinions.count()
    if apply:
        for opinion in opinions.iterator():
            if opinion.attachment:
                opinion.attachment.storage.delete(opinion.attachment.name)
            # A submitted opinion is immutable (Opinion.save refuses); its retention is the one sanctioned
            # change, done as an update of the content's columns only.
            Opinion.objects.filter(pk=opinion.pk).update(
                document={}, source=None, signature=None, attachment=""
            )
    return count


RULE = Rule(
    name="opinion_contents",
    what="主治医意見書の内容（構造化データ、受信したJSON、PDF、電子署名）",
    keep=f"受付から{settings.KAIGO_OPINION_KEEP_YEARS}年",
    basis="[decision] 認定の有効期間（最長48か月）と更新の審査に足り、アクセスログの保存期間と揃える",
    purge=purge_opinion_contents,
)
