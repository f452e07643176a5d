"""Starts the 12-hour clock of a session when the user signs in; resets the API-key cache on changes."""

import time

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kaigo_portal.middleware import SESSION_SEEN, SESSION_STARTED

from .services import api_key_generation_bump


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now


# Any change to a key, an organisation or its services resets the API-key cache in every process.
for _model in ("ApiKey", "Organisation", "OfficeService"):
    for _signal in (post_save, post_delete):
        _signal.connect(
            api_key_generation_bump,
            sender=f"accounts.{_model}",
            dispatch_uid=f"api-key-cache-{_model}-{id(_signal)}",
        )
