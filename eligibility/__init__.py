"""被保険者 and 資格 — insured persons, 被保険者証 data and the municipal bulk import (issue: eligibility)."""
