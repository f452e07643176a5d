from django.apps import AppConfig


class TerminalsConfig(AppConfig):
    name = "kaigo_portal.terminals"
    label = "terminals"
    verbose_name = "端末のクライアント証明書"
