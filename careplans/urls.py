"""Pages of the careplans app (plan editor, inbox, the person's agreement, LIFE)."""

from django.urls import path, re_path

from . import views, views_exchange, views_life, views_person

app_name = "careplans"
PERSON = r"persons/(?P<insurer_no>\d{6})/(?P<insured_no>\d{10})"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("inbox/", views.inbox, name="inbox"),
    path("units/", views_exchange.units, name="units"),
    path("units/import/", views_exchange.unit_import, name="unit_import"),
    re_path(r"^units/export/(?P<kind>plans|month|actuals)/$", views_exchange.unit_export, name="unit_export"),
    re_path(rf"^{PERSON}/month/$", views_exchange.person_month, name="person_month"),
    re_path(rf"^{PERSON}/month\.pdf$", views_exchange.person_month_pdf, name="person_month_pdf"),
    re_path(
        rf"^{PERSON}/month/delete_line/$",
        views_exchange.person_month_action,
        {"action": "delete_line"},
        name="person_month_delete_line",
    ),
    re_path(
        rf"^{PERSON}/month/record_actuals/$",
        views_exchange.person_month_action,
        {"action": "record_actuals"},
        name="person_month_record_actuals",
    ),
    re_path(rf"^{PERSON}/$", views.person_plans, name="person_plans"),
    re_path(rf"^{PERSON}/new/$", views.plan_new, name="plan_new"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/plan.pdf", views.plan_pdf, name="plan_pdf"),
    re_path(r"^(?P<pk>\d+)/(?P<action>[a-z_]+)/$", views.plan_action, name="plan_action"),
    path("life/", views_life.life_home, name="life_home"),
    re_path(rf"^life/{PERSON}/$", views_life.life_person, name="life_person"),
    re_path(rf"^life/{PERSON}/new/$", views_life.life_new, name="life_new"),
    path("me/<int:pk>/", views_person.my_plans, name="my_plans"),
    path("me/<int:pk>/plans/<int:plan_pk>/", views_person.my_plan, name="my_plan"),
    path("me/<int:pk>/plans/<int:plan_pk>/agree/", views_person.my_plan_agree, name="my_plan_agree"),
    path("me/<int:pk>/life/", views_life.my_life, name="my_life"),
]
