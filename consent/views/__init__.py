"""Pages of the consent app: the office's (office.py: 本人確認, caseload, person page, break-glass), the
person's and representatives' (persons.py, card.py: sign-in with the card), and the municipality's
(municipal.py). The guards other apps' pages use are here."""

from .office import office_required
from .persons import person_required, persons_acting_for

__all__ = ["office_required", "person_required", "persons_acting_for"]
