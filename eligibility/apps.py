from django.apps import AppConfig


class EligibilityConfig(AppConfig):
    name = "eligibility"
    verbose_name = "被保険者・資格"

    def ready(self) -> None:
        from kaigo_portal.operations import retention

        from . import retention as eligibility_retention

        retention.register(eligibility_retention.RULE)  # how long its personal data is kept
        from kaigo_portal import demo

        from . import demo as eligibility_demo
        from .imports import record_types  # noqa: F401  (registers the built-in record types)

        demo.register("eligibility", eligibility_demo.seed, order=20)
