from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "同意・本人確認・担当事業所"

    def ready(self) -> None:
        from eligibility.imports.registry import register
        from kaigo_portal import access, demo

        from . import demo as consent_demo
        from . import policy
        from .imports import CardCertificateRecord, ConsentRecord

        access.register_rules(policy.ConsentRules())
        register(ConsentRecord)
        register(CardCertificateRecord)
        demo.register("consent", consent_demo.seed, order=40)
