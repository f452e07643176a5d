"""API of the careplans app, mounted at /api/v1/careplans/ (and LIFE under /api/v1/life/)."""

urlpatterns: list = []
