"""Background work for the public portal: the inquiry e-mails. Tasks take ids and call one service."""

from celery import shared_task

from . import services


@shared_task
def send_inquiry_confirmation(inquiry_id: int) -> None:
    """E-mails the asker their 受付番号.

    On retry: the service marks the inquiry when the mail is sent and skips a marked one, so a second
    run sends nothing (a crash between sending and marking can still send twice).
    """
    services.inquiry_send_confirmation(inquiry_id=inquiry_id)


@shared_task
def send_inquiry_reply(message_id: int) -> None:
    """E-mails one operator reply to the asker; safe to run twice for the same reason as above."""
    services.inquiry_message_send(message_id=message_id)
