from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kaigo_portal.web"
    label = "web"
    verbose_name = "画面"
