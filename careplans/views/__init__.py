"""Pages of the careplans app: the care manager's plans (plans.py), the monthly exchange of the national files
(exchange.py) and the person's own plans (person.py). LIFE's pages are in careplans/life/views.py."""
