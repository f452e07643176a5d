from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "同意・本人確認・担当事業所"

    def ready(self) -> None:
        from kaigo_portal.operations import retention

        from . import retention as consent_retention

        retention.register(consent_retention.RULE)  # how long its personal data is kept
        from eligibility.imports.registry import register
        from kaigo_portal import access, demo, labels

        from . import demo as consent_demo
        from . import policy
        from .imports import CardCertificateRecord, ConsentRecord
        from .models import ActingAs, VerificationMethod

        access.register_rules(policy.ConsentRules())
        labels.register("method", VerificationMethod.choices)  # the access log's method of an office
        labels.register("method", ActingAs.choices)  # and of a person: 本人 or 代理人
        register(ConsentRecord)
        register(CardCertificateRecord)
        demo.register("consent", consent_demo.seed, order=40)
