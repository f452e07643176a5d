"""An e-mail a task sends goes once per key, and again only if it did not go."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from kaigo_portal.mail import message_id, send_once, task_key
from kaigo_portal.mail.models import SentMail

pytestmark = pytest.mark.django_db


def test_a_key_sends_once_with_a_message_id_of_its_own():
    assert send_once(
        key="break-glass:7", subject="件名", body="本文", recipients=["b@example.jp", "a@example.jp"]
    )
    assert not send_once(key="break-glass:7", subject="件名", body="本文", recipients=["a@example.jp"])
    [sent] = mail.outbox
    assert sent.to == ["a@example.jp", "b@example.jp"] and sent.extra_headers["Message-ID"] == message_id(
        "break-glass:7"
    )
    assert message_id("break-glass:7") != message_id("break-glass:8")
    assert message_id("break-glass:7").endswith("@kaigo-portal.invalid>")
    row = SentMail.objects.get()
    assert (row.key, row.recipients) == ("break-glass:7", 2)  # never the addresses or the text


def test_a_send_that_failed_leaves_no_mark_so_the_retry_sends(monkeypatch):
    def down(self, messages):
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    with pytest.raises(ConnectionRefusedError):
        send_once(key="invitation-code:3", subject="件名", body="本文", recipients=["a@example.jp"])
    assert not SentMail.objects.exists()
    monkeypatch.undo()
    assert send_once(key="invitation-code:3", subject="件名", body="本文", recipients=["a@example.jp"])
    assert len(mail.outbox) == 1


def test_no_recipient_sends_nothing_and_marks_nothing():
    assert not send_once(key="k", subject="件名", body="本文", recipients=[])
    assert not SentMail.objects.exists() and not mail.outbox


def test_a_task_key_is_the_delivery_independent_task_id():
    class Request:
        id = "5d0c0b1e"

    class Task:
        request = Request()

    assert task_key(Task(), "invitation") == "invitation:5d0c0b1e"
    Request.id = None
    assert task_key(Task(), "invitation") != task_key(Task(), "invitation")  # a direct call: a fresh key
