from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "kaigo_portal.mail"
    label = "mail"
    verbose_name = "送信したメール"
