from django.urls import path, re_path

from . import views

app_name = "offices"

urlpatterns = [
    path("", views.search, name="search"),
    path("master/", views.master, name="master"),
    re_path(r"^(?P<number>[0-9A-Z]{10})/$", views.detail, name="detail"),
]
