from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = "要介護認定"

    def ready(self) -> None:
        from eligibility.imports.registry import register
        from kaigo_portal import demo

        from . import demo as certification_demo
        from .imports import ProgressEventRecord

        register(ProgressEventRecord)
        demo.register("certification", certification_demo.seed, order=50)
