"""LIFE assessments API, mounted at /api/v1/life/."""

urlpatterns: list = []
