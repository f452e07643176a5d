from django.apps import AppConfig


class OpinionsConfig(AppConfig):
    name = "opinions"
    verbose_name = "主治医意見書"

    def ready(self) -> None:
        from kaigo_portal.operations import retention

        from . import retention as opinions_retention

        retention.register(opinions_retention.RULE)  # how long its personal data is kept
        from celery.schedules import crontab

        from certification.signals import opinion_requested
        from consent.policy import register_clinic_access_provider
        from kaigo_portal import demo, links
        from kaigo_portal.accounts.models import CLINIC_ROLES, MUNICIPAL_ROLES
        from kaigo_portal.celery import app as celery_app

        from . import demo as opinions_demo
        from .policy import provider

        register_clinic_access_provider(provider)
        opinion_requested.connect(_on_opinion_requested, dispatch_uid="opinions.request")
        links.register_menu_link("意見書の依頼一覧", "opinions:clinic_queue", CLINIC_ROLES)
        links.register_menu_link("過去の意見書", "opinions:clinic_written", CLINIC_ROLES)
        links.register_menu_link("意見書の受付", "opinions:insurer_queue", MUNICIPAL_ROLES)
        links.register_person_link("office", "opinion", "主治医意見書", "opinions:person_opinions")
        demo.register("opinions", opinions_demo.seed, order=60)
        # The beat schedule lives with the app (settings.py takes only KAIGO_OPINION_* values from us).
        celery_app.conf.beat_schedule = {
            **(celery_app.conf.beat_schedule or {}),
            "opinions-overdue-reminders": {
                "task": "opinions.tasks.send_overdue_reminders",
                "schedule": crontab(hour=8, minute=0),
            },
        }


def _on_opinion_requested(sender, application_id: int, **kwargs) -> None:
    """certification sends this after commit; the request is made by a task (safe to run twice)."""
    from .tasks import create_request

    create_request.delay(application_id)
