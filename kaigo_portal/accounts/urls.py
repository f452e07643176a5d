from django.urls import path

from . import views

urlpatterns = [
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_add, name="staff_add"),
    path("staff/<int:membership_id>/revoke/", views.staff_revoke, name="staff_revoke"),
    path("api-keys/", views.api_key_list, name="api_key_list"),
    path("api-keys/<int:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
