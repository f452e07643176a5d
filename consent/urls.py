"""Consent, 本人確認 and relationships: office screens (/care/), the person's pages (/me/) and the
municipal screens (/municipal/). Included at the root by kaigo_portal.urls."""

from django.urls import path, re_path

from . import views, views_card, views_municipal, views_persons

app_name = "consent"
PERSON = r"(?P<insurer_number>\d{6})/(?P<insured_number>\d{10})"

urlpatterns = [
    # Offices
    path("care/verify/", views.verify, name="verify"),
    path("care/caseload/", views.caseload, name="caseload"),
    path("care/break-glass/", views.break_glass, name="break_glass"),
    re_path(rf"^care/persons/{PERSON}/$", views.person_detail, name="office_person"),
    re_path(rf"^care/persons/{PERSON}/consent/$", views.consent_on_behalf, name="office_consent"),
    path("care/relationships/<int:pk>/end/", views.relationship_end, name="relationship_end"),
    # The person (本人) and representatives
    path("me/", views_persons.my_home, name="my_home"),
    path("me/card-sign-in/", views_card.card_sign_in, name="card_sign_in"),
    path("me/card-sign-in/start/", views_card.card_sign_in_start, name="card_sign_in_start"),
    path("me/card-sign-in/wait/", views_card.card_sign_in_wait, name="card_sign_in_wait"),
    path("me/invitation/", views_persons.accept_invitation, name="accept_invitation"),
    path("me/<int:pk>/", views_persons.my_data, name="my_data"),
    path("me/<int:pk>/consents/", views_persons.my_consents, name="my_consents"),
    path("me/<int:pk>/consents/change/", views_persons.my_consent_change, name="my_consent_change"),
    path("me/<int:pk>/access-log/", views_persons.my_access_log, name="my_access_log"),
    path("me/<int:pk>/access-log/notice/", views_persons.my_notice_setting, name="my_notice_setting"),
    path("me/<int:pk>/access-log/<int:entry_id>/dispute/", views_persons.my_dispute, name="my_dispute"),
    # Municipal staff
    path("municipal/consents/", views_municipal.consents, name="municipal_consents"),
    path("municipal/disasters/", views_municipal.disaster_periods, name="municipal_disasters"),
    path("municipal/break-glass/", views_municipal.break_glass_queue, name="municipal_break_glass"),
    path(
        "municipal/break-glass/<int:pk>/close/",
        views_municipal.break_glass_close,
        name="municipal_break_glass_close",
    ),
    path("municipal/disputes/", views_municipal.disputes, name="municipal_disputes"),
    path("municipal/disputes/<int:pk>/close/", views_municipal.dispute_close, name="municipal_dispute_close"),
    path(
        "municipal/card-certificates/", views_municipal.card_certificates, name="municipal_card_certificates"
    ),
    path("municipal/invitations/", views_municipal.invitations, name="municipal_invitations"),
    path("municipal/representatives/", views_municipal.representatives, name="municipal_representatives"),
]
