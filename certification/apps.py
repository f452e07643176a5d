from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = "要介護認定"

    def ready(self) -> None:
        from kaigo_portal import demo

        from . import demo as certification_demo

        demo.register("certification", certification_demo.seed, order=50)
