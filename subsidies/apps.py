from django.apps import AppConfig


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = "助成金"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
