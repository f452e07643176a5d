"""Every write of the public portal: news and FAQ (content.py), inquiries and their threads (inquiries.py),
and the demo content (demo.py). common.py says who is an operator."""

from .common import (
    REPLY_STATUSES,
    STATUS_TRANSITIONS,
    is_operator,
    require_operator,
)
from .content import (
    faq_create,
    faq_delete,
    faq_update,
    news_create,
    news_delete,
    news_update,
)
from .demo import (
    DEMO_FAQ,
    DEMO_NEWS,
    seed_demo_content,
)
from .inquiries import (
    inquiry_add_note,
    inquiry_assign,
    inquiry_follow_up,
    inquiry_message_send,
    inquiry_reply,
    inquiry_send_confirmation,
    inquiry_set_status,
    inquiry_submit,
)

__all__ = [
    "DEMO_FAQ",
    "DEMO_NEWS",
    "REPLY_STATUSES",
    "STATUS_TRANSITIONS",
    "faq_create",
    "faq_delete",
    "faq_update",
    "inquiry_add_note",
    "inquiry_assign",
    "inquiry_follow_up",
    "inquiry_message_send",
    "inquiry_reply",
    "inquiry_send_confirmation",
    "inquiry_set_status",
    "inquiry_submit",
    "is_operator",
    "news_create",
    "news_delete",
    "news_update",
    "require_operator",
    "seed_demo_content",
]
