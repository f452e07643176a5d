"""The public portal under /portal/, and the operators' screens under /portal/manage/."""

from django.urls import path

from . import manage_views, views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("municipalities/", views.audience, {"name": "municipalities"}, name="municipalities"),
    path("offices/", views.audience, {"name": "offices"}, name="offices"),
    path("clinics/", views.audience, {"name": "clinics"}, name="clinics"),
    path("people/", views.audience, {"name": "people"}, name="people"),
    path("people/consent/", views.consent, name="consent"),
    path("people/consent.pdf", views.consent_pdf, name="consent_pdf"),
    path("rollout/", views.rollout, name="rollout"),
    path("news/", views.news_list, name="news"),
    path("news/<int:pk>/", views.news_detail, name="news_detail"),
    path("faq/", views.faq, name="faq"),
    path("inquiry/", views.inquiry, name="inquiry"),
    path("inquiry/done/", views.inquiry_done, name="inquiry_done"),
    path("my/inquiries/", views.my_inquiries, name="my_inquiries"),
    path("my/inquiries/<str:ticket_number>/", views.my_inquiry, name="my_inquiry"),
    # The operators' screens.
    path("manage/", manage_views.index, name="manage"),
    path("manage/news/", manage_views.news_list, name="manage_news"),
    path("manage/news/new/", manage_views.news_edit, name="manage_news_new"),
    path("manage/news/<int:pk>/", manage_views.news_edit, name="manage_news_edit"),
    path("manage/news/<int:pk>/delete/", manage_views.news_delete, name="manage_news_delete"),
    path("manage/faq/", manage_views.faq_list, name="manage_faq"),
    path("manage/faq/new/", manage_views.faq_edit, name="manage_faq_new"),
    path("manage/faq/<int:pk>/", manage_views.faq_edit, name="manage_faq_edit"),
    path("manage/faq/<int:pk>/delete/", manage_views.faq_delete, name="manage_faq_delete"),
    path("manage/inquiries/", manage_views.inquiry_queue, name="manage_inquiries"),
    path("manage/inquiries/<str:ticket_number>/", manage_views.inquiry_detail, name="manage_inquiry"),
    path(
        "manage/inquiries/<str:ticket_number>/reply/", manage_views.inquiry_reply, name="manage_inquiry_reply"
    ),
    path("manage/inquiries/<str:ticket_number>/note/", manage_views.inquiry_note, name="manage_inquiry_note"),
    path(
        "manage/inquiries/<str:ticket_number>/assign/",
        manage_views.inquiry_assign,
        name="manage_inquiry_assign",
    ),
    path(
        "manage/inquiries/<str:ticket_number>/status/",
        manage_views.inquiry_status,
        name="manage_inquiry_status",
    ),
]
