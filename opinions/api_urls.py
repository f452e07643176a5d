"""API of the opinions app, mounted at /api/v1/opinions/."""

from django.urls import path

from . import api

urlpatterns = [
    path("", api.OpinionCollection.as_view(), name="opinion_collection"),
    path("schema/", api.OpinionSchema.as_view(), name="opinion_schema"),
    path("<int:pk>/", api.OpinionDetail.as_view(), name="opinion_detail"),
    path("<int:pk>/acknowledge/", api.OpinionAcknowledge.as_view(), name="opinion_acknowledge"),
]
