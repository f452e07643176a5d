"""The record of each e-mail a task sent, by its key: what makes a task that runs again send nothing again."""

from django.db import models
from django.utils import timezone


class SentMail(models.Model):
    """One e-mail sent, by the key its sender gave it (`kaigo_portal.mail.send_once`). Only the key, the
    number of recipients and the time: never the addresses or the text, which stay with their own data."""

    key = models.CharField("キー", max_length=200, unique=True)
    recipients = models.PositiveSmallIntegerField("宛先の数")
    sent_at = models.DateTimeField("送信日時", default=timezone.now)

    class Meta:
        verbose_name = "送信したメール"
        verbose_name_plural = "送信したメール"

    def __str__(self) -> str:
        return self.key
