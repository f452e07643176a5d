from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kaigo_portal.audit"
    label = "audit"
    verbose_name = "アクセスログ"
