"""LIFE (科学的介護情報システム) excerpts: offices submit monthly assessments (views.py, api.py), the scores are
checked item by item (rules.py) and stored (services.py), and offices and persons read them back as charts and an
offices distribution beside the others (feedback.py)."""
