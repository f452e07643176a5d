from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kaigo_portal.audit"
    label = "audit"
    verbose_name = "アクセスログ"

    def ready(self) -> None:
        from kaigo_portal.operations import retention

        from . import retention as audit_retention

        retention.register(audit_retention.RULE)  # the months archived to files (archive.py)
