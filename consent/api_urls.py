"""API of the consent app, mounted at /api/v1/: the 国保連's claims feed (scope `claims`) and the card agent's
identity endpoints (scope `device`, and the device codes a person's agent uses without a key)."""

from django.urls import path, re_path

from .api import claims, identity

DEVICE_CODE = r"(?P<code>[A-Za-z0-9]{4}-[A-Za-z0-9]{4})"

urlpatterns = [
    path("claims/", claims.ClaimsFeed.as_view(), name="api_claims"),
    path("identity/challenges/", identity.Challenges.as_view(), name="api_identity_challenges"),
    path("identity/verifications/", identity.Verifications.as_view(), name="api_identity_verifications"),
    re_path(
        rf"^identity/device-codes/{DEVICE_CODE}/$",
        identity.DeviceCode.as_view(),
        name="api_identity_device_code",
    ),
    re_path(
        rf"^identity/device-codes/{DEVICE_CODE}/complete/$",
        identity.DeviceCodeComplete.as_view(),
        name="api_identity_device_code_complete",
    ),
]
