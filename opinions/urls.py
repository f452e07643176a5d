"""Pages of the opinions app (clinic queue, the web form, the municipality's receipt queue)."""

app_name = "opinions"

urlpatterns: list = []
