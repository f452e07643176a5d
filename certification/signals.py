"""Signals other apps listen to (certification never imports them)."""

from django.dispatch import Signal

# Sent after commit when 主治医意見書依頼 completes; kwargs: application_id. The opinions app listens,
# creates the request to the physician named on the application, and later calls
# certification.services.opinion_receive.
opinion_requested = Signal()
