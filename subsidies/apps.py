from django.apps import AppConfig


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = "助成金"

    def ready(self) -> None:
        from kaigo_portal import demo

        from . import checks  # noqa: F401  (registers the system checks)
        from . import demo as subsidies_demo

        demo.register("subsidies", subsidies_demo.seed, order=70)
