"""API of the eligibility app: the municipal import (imports.py) and the read API of a person's card and
住宅改修 usage (persons.py). Mounted by eligibility/api_urls.py."""
