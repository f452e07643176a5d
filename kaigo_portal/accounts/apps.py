from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kaigo_portal.accounts"
    label = "accounts"
    verbose_name = "組織とユーザー"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
