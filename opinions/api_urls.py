"""API of the opinions app, mounted at /api/v1/opinions/."""

urlpatterns: list = []
