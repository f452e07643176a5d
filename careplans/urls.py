"""Pages of the careplans app (plan editor, inbox, the person's agreement, LIFE)."""

app_name = "careplans"

urlpatterns: list = []
