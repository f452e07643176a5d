from django.urls import path

from . import views

app_name = "terminals"

urlpatterns = [
    path("", views.terminal_list, name="list"),
    path("<int:terminal_id>/", views.terminal_detail, name="detail"),
    path("<int:terminal_id>/certificate.p12", views.terminal_download, name="download"),
    path("<int:terminal_id>/renew/", views.terminal_renew, name="renew"),
    path("<int:terminal_id>/revoke/", views.terminal_revoke, name="revoke"),
    path("crl.pem", views.crl, name="crl"),
]
