import re

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# A Japanese phone number as people write it: 0570-000-000, 03-1234-5678, 0120-123-456.
PHONE_PATTERN = re.compile(r"0\d{1,4}-\d{1,4}-\d{3,4}")


class PublicConfig(AppConfig):
    name = "kaigo_portal.public"
    label = "public"
    verbose_name = "公開ポータル"

    def ready(self) -> None:
        # env.py parses types; the shape of the contact settings is checked here, at start-up, so a typo
        # stops the process instead of printing a wrong number on every public page.
        phone = settings.KAIGO_CONTACT_PHONE
        if phone and not PHONE_PATTERN.fullmatch(phone):
            raise ImproperlyConfigured(
                f"KAIGO_CONTACT_PHONE must look like 0570-000-000 (or be unset), not {phone!r}"
            )
        if not 1 <= len(settings.KAIGO_CONTACT_HOURS) <= 100:
            raise ImproperlyConfigured("KAIGO_CONTACT_HOURS must be 1 to 100 characters")

        from kaigo_portal import demo

        def seed_public() -> str:
            from .services import seed_demo_content

            created = seed_demo_content()
            return f"公開ポータル: お知らせ {created['news']} 件、よくある質問 {created['faq']} 件を追加"

        demo.register("public", seed_public, order=30)
