"""Every write to subsidy applications: drafts, receipts and each step of the workflow.

draft → submitted → under review → returned (the office fixes it and resubmits) or approved → paid.
Each step is one function here: atomic, checked, writing one StatusChange row (who, when, why) and
e-mailing the office once the transaction has committed.
"""

from .drafts import (
    DraftResult,
    application_create,
    application_save_draft,
    parse_amount,
    receipt_add,
    receipt_remove,
)
from .rules import (
    AMOUNT_FIELDS,
    BANK_FIELDS,
    application_calculation,
    calculation_for_display,
    granted_elsewhere,
    is_office_admin_of,
    is_operator,
    submission_errors,
    window_text,
)
from .workflow import (
    application_approve,
    application_mark_paid,
    application_return,
    application_start_review,
    application_submit,
)

__all__ = [
    "AMOUNT_FIELDS",
    "BANK_FIELDS",
    "DraftResult",
    "application_approve",
    "application_calculation",
    "application_create",
    "application_mark_paid",
    "application_return",
    "application_save_draft",
    "application_start_review",
    "application_submit",
    "calculation_for_display",
    "granted_elsewhere",
    "is_office_admin_of",
    "is_operator",
    "parse_amount",
    "receipt_add",
    "receipt_remove",
    "submission_errors",
    "window_text",
]
