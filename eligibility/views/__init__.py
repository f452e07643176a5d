"""Pages of the eligibility app: the municipal import (imports.py) and the person search and pages (persons.py)."""
