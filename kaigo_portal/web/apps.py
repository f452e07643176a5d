from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kaigo_portal.web"
    label = "web"
    verbose_name = "画面"

    def ready(self) -> None:
        from kaigo_portal import lookups  # noqa: F401  (registers `__any_of` on every field)
