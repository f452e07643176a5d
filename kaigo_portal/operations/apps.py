from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "kaigo_portal.operations"
    label = "operations"
    verbose_name = "運用（バックアップ）"
