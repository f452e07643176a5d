"""Consent, 本人確認 and relationships: office screens (/care/), the person's pages (/me/) and the
municipal screens (/municipal/). Included at the root by kaigo_portal.urls."""

from django.urls import path, re_path

from .views import card, municipal, office, persons

app_name = "consent"
PERSON = r"(?P<insurer_number>\d{6})/(?P<insured_number>\d{10})"

urlpatterns = [
    # Offices
    path("care/verify/", office.verify, name="verify"),
    path("care/caseload/", office.caseload, name="caseload"),
    path("care/break-glass/", office.break_glass, name="break_glass"),
    re_path(rf"^care/persons/{PERSON}/$", office.person_detail, name="office_person"),
    re_path(rf"^care/persons/{PERSON}/consent/$", office.consent_on_behalf, name="office_consent"),
    path("care/relationships/<int:pk>/end/", office.relationship_end, name="relationship_end"),
    # The person (本人) and representatives
    path("me/", persons.my_home, name="my_home"),
    path("me/card-sign-in/", card.card_sign_in, name="card_sign_in"),
    path("me/card-sign-in/start/", card.card_sign_in_start, name="card_sign_in_start"),
    path("me/card-sign-in/wait/", card.card_sign_in_wait, name="card_sign_in_wait"),
    path("me/invitation/", persons.accept_invitation, name="accept_invitation"),
    path("me/<int:pk>/", persons.my_data, name="my_data"),
    path("me/<int:pk>/consents/", persons.my_consents, name="my_consents"),
    path("me/<int:pk>/consents/change/", persons.my_consent_change, name="my_consent_change"),
    path("me/<int:pk>/access-log/", persons.my_access_log, name="my_access_log"),
    path("me/<int:pk>/access-log/notice/", persons.my_notice_setting, name="my_notice_setting"),
    path("me/<int:pk>/access-log/<int:entry_id>/dispute/", persons.my_dispute, name="my_dispute"),
    # Municipal staff
    path("municipal/consents/", municipal.consents, name="municipal_consents"),
    path("municipal/disasters/", municipal.disaster_periods, name="municipal_disasters"),
    path("municipal/break-glass/", municipal.break_glass_queue, name="municipal_break_glass"),
    path(
        "municipal/break-glass/<int:pk>/close/",
        municipal.break_glass_close,
        name="municipal_break_glass_close",
    ),
    path("municipal/disputes/", municipal.disputes, name="municipal_disputes"),
    path("municipal/disputes/<int:pk>/close/", municipal.dispute_close, name="municipal_dispute_close"),
    path("municipal/card-certificates/", municipal.card_certificates, name="municipal_card_certificates"),
    path("municipal/invitations/", municipal.invitations, name="municipal_invitations"),
    path("municipal/representatives/", municipal.representatives, name="municipal_representatives"),
]
