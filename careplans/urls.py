"""Pages of the careplans app (plan editor, inbox, the person's agreement, LIFE)."""

from django.urls import path, re_path

from .life import views as life
from .views import exchange, person, plans

app_name = "careplans"
PERSON = r"persons/(?P<insurer_no>\d{6})/(?P<insured_no>\d{10})"

urlpatterns = [
    path("", plans.plan_list, name="plan_list"),
    path("inbox/", plans.inbox, name="inbox"),
    path("units/", exchange.units, name="units"),
    path("units/import/", exchange.unit_import, name="unit_import"),
    re_path(r"^units/export/(?P<kind>plans|month|actuals)/$", exchange.unit_export, name="unit_export"),
    re_path(rf"^{PERSON}/month/$", exchange.person_month, name="person_month"),
    re_path(rf"^{PERSON}/month\.pdf$", exchange.person_month_pdf, name="person_month_pdf"),
    re_path(
        rf"^{PERSON}/month/delete_line/$",
        exchange.person_month_action,
        {"action": "delete_line"},
        name="person_month_delete_line",
    ),
    re_path(
        rf"^{PERSON}/month/record_actuals/$",
        exchange.person_month_action,
        {"action": "record_actuals"},
        name="person_month_record_actuals",
    ),
    re_path(rf"^{PERSON}/$", plans.person_plans, name="person_plans"),
    re_path(rf"^{PERSON}/new/$", plans.plan_new, name="plan_new"),
    path("<int:pk>/", plans.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", plans.plan_edit, name="plan_edit"),
    path("<int:pk>/plan.pdf", plans.plan_pdf, name="plan_pdf"),
    re_path(r"^(?P<pk>\d+)/(?P<action>[a-z_]+)/$", plans.plan_action, name="plan_action"),
    path("life/", life.life_home, name="life_home"),
    re_path(rf"^life/{PERSON}/$", life.life_person, name="life_person"),
    re_path(rf"^life/{PERSON}/new/$", life.life_new, name="life_new"),
    path("me/<int:pk>/", person.my_plans, name="my_plans"),
    path("me/<int:pk>/plans/<int:plan_pk>/", person.my_plan, name="my_plan"),
    path("me/<int:pk>/plans/<int:plan_pk>/agree/", person.my_plan_agree, name="my_plan_agree"),
    path("me/<int:pk>/life/", life.my_life, name="my_life"),
]
