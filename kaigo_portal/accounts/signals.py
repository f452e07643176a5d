"""Starts the 12-hour clock of a session when the user signs in."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from kaigo_portal.middleware import SESSION_SEEN, SESSION_STARTED


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now
